"""Bulk validation benchmark (`make bench-bulk-validate`): `einvoice validate` over many files (issue #21).

Writes ``--files`` (2,000) Peppol base-size invoices (the official base example made distinct, as
the load benchmark does) to a temporary folder and runs the real command on them as a user would,
``einvoice validate --json --jobs N`` in its own process, start-up included. Prints:

- start-up: the same command over one file (interpreter, imports, artefact check, engine, one
  validation), wall-clock and CPU;
- the whole run: wall-clock, files per second start-up included, and the CPU time of the command
  and its worker processes per file (from ``getrusage`` of the finished children: robust to other
  load on the machine, unlike the wall-clock figures).

The issue's comparison: at least as fast as the Java reference validator on the same cores, start-up
included (an estimated 220-290 files/s on 2 cores). Run it on a quiet machine for wall-clock figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load_documents import base_example, distinct
from bench.load_server import artefacts_dir


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, dict]:
    """(wall seconds, CPU seconds of the command and its children, parsed JSON output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"einvoice validate failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-2000:]}")
    return wall, cpu, json.loads(done.stdout)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="files to validate (2000)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: every core)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    artifacts = artefacts_dir()
    base = base_example(artifacts)
    einvoice = str(Path(sys.executable).parent / "einvoice")
    results: dict = {"files": args.files, "cpus": os.cpu_count(), "jobs": args.jobs or os.cpu_count(),
                     "load_average_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        folder = Path(tmp) / "invoices"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"invoice-{i:05d}.xml").write_bytes(distinct(base, "BULK", i))
        env = {**os.environ, "EINVOICE_ARTIFACTS_DIR": str(artifacts),
               "EINVOICE_VALIDATION_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [einvoice, "validate", "--json", "--jobs", str(args.jobs)]
        # the first run fills the compiled-artefact cache, as the first run after an install does
        run([*cmd, str(folder / "invoice-00000.xml")], env)
        wall1, cpu1, _ = run([*cmd, str(folder / "invoice-00000.xml")], env)
        wall, cpu, out = run([*cmd, str(folder)], env)
    summary = out["summary"]
    if summary["valid"] != args.files:
        sys.exit(f"expected {args.files} valid files, got {summary}")
    results.update({
        "startup_seconds": round(wall1, 2), "startup_cpu_seconds": round(cpu1, 2),
        "seconds": round(wall, 2), "files_per_second": round(args.files / wall, 1),
        "cpu_seconds": round(cpu, 2), "cpu_ms_per_file": round(cpu * 1000 / args.files, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    })
    print(f"einvoice validate --jobs {results['jobs']} over {args.files} Peppol base-size invoices, "
          f"{results['cpus']} CPUs, load average {results['load_average_before']} -> {results['load_average_after']}")
    print(f"start-up (one file):  {results['startup_seconds']} s wall, {results['startup_cpu_seconds']} s CPU")
    print(f"{args.files} files:          {results['seconds']} s wall = {results['files_per_second']} files/s "
          f"(start-up included); CPU {results['cpu_seconds']} s = {results['cpu_ms_per_file']} ms per file")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
