"""The benchmark measures valid documents: its generated large invoices pass every layer."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree
from tests.validation.validation_samples import BASE

from service.validation import Outcome, ValidationEngine
import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_validation.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_validation", BENCH)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_generated_large_invoice_is_valid_and_has_the_requested_lines(engine: ValidationEngine, mirror: Path):
    bench = _bench_module()
    xml = bench.generate_invoice((mirror / BASE).read_bytes(), 250)
    lines = etree.fromstring(xml).findall(f"{{{bench.CAC}}}InvoiceLine")
    assert [line.findtext(f"{{{bench.CBC}}}ID") for line in lines] == [str(i) for i in range(1, 251)]
    report = engine.validate(xml)
    assert report.outcome is Outcome.valid, [(f.rule_id, f.message) for f in report.fatal_findings]
    assert report.scenario == "peppol-bis-billing-3"


def test_the_benchmark_prints_its_table_and_the_reference_measured_alongside(artifacts_dir: Path, tmp_path: Path):
    env = {**os.environ, "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir),
           "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, str(BENCH), "--sizes", "base,100", "--runs", "3"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.startswith(("base", "100"))}
    assert set(rows) == {"base", "100"}
    assert float(rows["100"][-2]) > 0  # ms/line
    assert re.search(r"official EN 16931 stylesheet .* takes \d+\.\d+ ms here now .* whole scenario takes "
                     r"\d+\.\d+x that", out.stdout)
    # the base row: the median of three fresh processes, each timing the reference in blocks
    ratios = re.search(r"in 3 processes: the whole scenario took (\d+\.\d+), (\d+\.\d+), (\d+\.\d+)x", out.stdout)
    assert ratios, out.stdout
    total, reference = float(rows["base"][7]), float(rows["base"][-2])
    assert abs(total / reference - float(ratios.group(2))) < 0.02  # the row shown is the median one
