"""The benchmark measures valid documents: its generated large invoices pass every layer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lxml import etree
from tests.validation.validation_samples import BASE

from service.validation import Outcome, ValidationEngine

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
