"""Bulk import benchmark: 10,000 purchase orders of 10 lines from JSON Lines into SQLite (target < 60 s).

Runs the code behind `einvoice import purchase-orders` against a fresh, migrated SQLite file, then
imports the same file again (every order unchanged: the nightly re-sync case) and prints both
figures. `--orders` / `--lines` change the size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_SECONDS = 60.0


def _mirror() -> Path:
    for candidate in (os.environ.get("EINVOICE_ARTIFACTS_MIRROR"), os.environ.get("EINVOICE_ARTIFACTS_DIR"),
                      REPO.parent / "shared" / "artifacts", REPO / "data" / "artifacts"):
        if candidate and (Path(candidate) / "peppol-bis-billing-3").is_dir():
            return Path(candidate)
    sys.exit("bench-masterdata: no artefacts (code lists) found; run `make artifacts` or set EINVOICE_ARTIFACTS_MIRROR")


def write_orders(path: Path, supplier_ids: list[str], orders: int, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    units = ["H87", "C62", "KGM", "LTR", "MTR", "HUR"]
    with path.open("w", encoding="utf-8") as fh:
        for n in range(orders):
            fh.write(json.dumps({
                "number": f"PO-{n:07d}",
                "supplier_id": supplier_ids[n % len(supplier_ids)],
                "currency": "EUR",
                "buyer_reference": f"AFD-{n % 97}",
                "lines": [
                    {
                        "line_id": str(i + 1),
                        "item": {"name": f"Article {n}-{i}", "seller_item_id": f"SKU{rng.randrange(10**6):06d}",
                                 "standard_item_id": None},
                        "quantity": str(rng.randrange(1, 500)),
                        "unit_code": rng.choice(units),
                        "unit_price": f"{rng.randrange(100, 100000) / 100:.2f}",
                        "base_quantity": "1",
                        "vat_category": "S",
                        "vat_rate": "21",
                        "receipt_required": i % 2 == 0,
                    }
                    for i in range(lines)
                ],
            }) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()

    os.environ.setdefault("EINVOICE_LOG_LEVEL", "WARNING")
    from sqlmodel import Session

    from service.cli.masterdata import import_order_file
    from service.db import make_engine
    from service.masterdata.codelists import find_codelists
    from service.masterdata.payloads import SupplierIn
    from service.masterdata.suppliers import create_supplier
    from service.migrations import upgrade

    codelists = find_codelists(_mirror())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            suppliers = [create_supplier(session, SupplierIn(name=f"Supplier {i}"), actor="bench") for i in range(50)]
            session.commit()
            supplier_ids = [str(s.id) for s in suppliers]
        path = Path(tmp) / "orders.jsonl"
        write_orders(path, supplier_ids, args.orders, args.lines)
        size_mb = path.stat().st_size / 1e6

        started, cpu = time.perf_counter(), time.process_time()
        first = import_order_file(path, engine, codelists)
        first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        second = import_order_file(path, engine, codelists)
        second_s, second_cpu = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()

    total_lines = args.orders * args.lines
    verdict = "PASS" if first_s < TARGET_SECONDS and first.counts["created"] == args.orders else "FAIL"
    print(f"bench-masterdata: {args.orders} orders x {args.lines} lines ({size_mb:.1f} MB JSONL) on SQLite")
    print(f"  first import : {first_s:6.1f} s wall, {first_cpu:5.1f} s CPU  ({args.orders / first_s:,.0f} orders/s, "
          f"{total_lines / first_s:,.0f} lines/s)  created={first.counts['created']} invalid={first.counts['invalid']}")
    print(f"  re-import    : {second_s:6.1f} s wall, {second_cpu:5.1f} s CPU  (unchanged={second.counts['unchanged']})")
    print(f"  load average : {os.getloadavg()[0]:.1f} (wall time grows with other work on the machine)")
    print(f"  target       : first import < {TARGET_SECONDS:.0f} s -> {verdict}")
    if verdict != "PASS":
        sys.exit(1)


if __name__ == "__main__":
    main()
