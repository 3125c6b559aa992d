"""``python -m bench.matching_corpus DIR [--documents N] [--seed S]``: write the labelled corpus.

DIR gets ``steps.jsonl`` (master data, receipts and every document's labels, in order) and
``documents/*.xml``. The same seed gives the same corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.matching_corpus import build_corpus, category_of


def write(target: Path, documents: int, seed: int) -> str:
    built = build_corpus(documents, seed)
    docs = target / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    with (target / "steps.jsonl").open("w", encoding="utf-8") as fh:
        for i, step in enumerate(built.steps):
            record = {"kind": step.kind, "case": step.case, "category": category_of(step.case),
                      "supplier": step.supplier, "payload": step.payload}
            if step.xml is not None:
                name = f"{i:06d}-{step.case.replace('.', '-')}.xml"
                (docs / name).write_bytes(step.xml)
                record.update(document=f"documents/{name}", expect_status=step.expect_status,
                              expect_codes=list(step.expect_codes), final_status=step.final_status)
            fh.write(json.dumps(record) + "\n")
    return f"wrote {built.count()} documents and {len(built.steps)} steps to {target}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("target", type=Path, help="directory to write the corpus to")
    parser.add_argument("--documents", type=int, default=2000, help="minimum number of invoices and credit notes")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (the same seed gives the same corpus)")
    args = parser.parse_args(argv)
    if args.documents < 1:
        parser.error("--documents must be at least 1")
    try:
        print(write(args.target, args.documents, args.seed))
    except OSError as exc:
        print(f"cannot write the corpus to {args.target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
