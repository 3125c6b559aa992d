"""Validation benchmark: median milliseconds per layer for the Peppol base example and invoices of
100, 1,000 and 5,000 lines generated from it, and for a CII invoice (`make bench-validation`).

The CII row validates the CEN's CII example 1 (20 lines) with the CII XSD and our compile of the
EN 16931 CII rules, next to the official CII stylesheet timed the same way on the parsed document.

Uses the installed artefacts (EINVOICE_ARTIFACTS_DIR) or, when they are not installed, the mirror
(EINVOICE_ARTIFACTS_MIRROR, default ../shared/artifacts), which has the same layout. Timings are
in-process, after a warm-up, with the engine built once (as in the service).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import subprocess
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service.validation import ValidationEngine
from service.validation.artefacts import missing_artefacts
from service.validation.rulesets import XsltRuleSet

BASE = "peppol-bis-billing-3/rules/examples/base-example.xml"
OFFICIAL_EN16931 = "en16931/ubl/xslt/EN16931-UBL-validation.xslt"
CII_EXAMPLE = "en16931/cii/examples/CII_example1.xml"
OFFICIAL_CII = "en16931/cii/xslt/EN16931-CII-validation.xslt"
REFERENCE_ANCHOR_MS = 3.1  # the issue's figure for OFFICIAL_EN16931 on the parsed base example
TARGET_BASE_MS = 3.0
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CENT = Decimal("0.01")

# Reference figures measured on this machine class (2 cores), from the issue.
ANCHORS = {
    "Saxon-HE (warm JVM, KoSIT), EN 16931 layer only": {"base": 3.0, 1000: 149.0, 5000: 1090.0},
    "saxonche + official EN 16931 XSLT (parsed doc)": {"base": 3.1, 1000: 600.0, 5000: 2300.0},
    "lxml parse + XSD": {"base": 0.28, 1000: 32.0, 5000: 152.0},
}


def generate_invoice(base: bytes, lines: int) -> bytes:
    """The base example with ``lines`` invoice lines (copies of its first line) and totals that add up."""
    root = etree.fromstring(base)
    existing = root.findall(f"{{{CAC}}}InvoiceLine")
    template = existing[0]
    for line in existing:
        root.remove(line)
    total = Decimal(0)
    for i in range(1, lines + 1):
        line = etree.fromstring(etree.tostring(template))
        price = Decimal(10 + i % 7)
        quantity = Decimal(1 + i % 3)
        amount = price * quantity
        total += amount
        line.find(f"{{{CBC}}}ID").text = str(i)
        line.find(f"{{{CBC}}}InvoicedQuantity").text = str(quantity)
        line.find(f"{{{CBC}}}LineExtensionAmount").text = str(amount)
        line.find(f"{{{CAC}}}Price/{{{CBC}}}PriceAmount").text = str(price)
        root.append(line)
    charge = Decimal(25)
    taxable = total + charge
    tax = (taxable * Decimal("0.25")).quantize(CENT, ROUND_HALF_UP)
    tax_total = root.find(f"{{{CAC}}}TaxTotal")
    tax_total.find(f"{{{CBC}}}TaxAmount").text = str(tax)
    subtotal = tax_total.find(f"{{{CAC}}}TaxSubtotal")
    subtotal.find(f"{{{CBC}}}TaxableAmount").text = str(taxable)
    subtotal.find(f"{{{CBC}}}TaxAmount").text = str(tax)
    totals = root.find(f"{{{CAC}}}LegalMonetaryTotal")
    totals.find(f"{{{CBC}}}LineExtensionAmount").text = str(total)
    totals.find(f"{{{CBC}}}TaxExclusiveAmount").text = str(taxable)
    totals.find(f"{{{CBC}}}TaxInclusiveAmount").text = str(taxable + tax)
    totals.find(f"{{{CBC}}}PayableAmount").text = str(taxable + tax)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def artefacts_dir() -> Path:
    installed = Path(os.environ.get("EINVOICE_ARTIFACTS_DIR", REPO / "data" / "artifacts"))
    if installed.is_dir() and not missing_artefacts(installed):
        return installed
    mirror = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or REPO.parent / "shared" / "artifacts")
    if missing_artefacts(mirror):
        sys.exit(f"no artefacts in {installed} or {mirror}: run `einvoice artifacts install`")
    return mirror


# The reference runs in blocks that alternate with blocks of validations: each is timed back to
# back, as the issue's anchors were, and the alternation (a few milliseconds a block) still sees
# the machine in the same state. Timing the reference right after every single validation, as
# this benchmark first did, let each evict the other's caches: it made the validations ~10%
# slower and the reference ~5% (measured in one process, 2026-11-27).
BLOCK = 10
# The time of receipt the documents are validated as of (chooses the Peppol release; --at).
RECEIVED_AT: datetime | None = None
# The base row is measured in this many fresh processes (the row shown is the one with the median
# ratio to the reference): one process can run 10-15% faster or slower than the next throughout,
# whatever the machine does (the layout of Saxon's heap after compiling, measured 2026-11-27).
BASE_PROCESSES = 3


def measure(engine: ValidationEngine, xml: bytes, runs: int, reference=None) -> dict[str, float]:
    """Median ms per layer, total, fastest and CPU time; with ``reference`` (a callable), also its
    median, timed in blocks of BLOCK runs alternating with blocks of validations."""
    for _ in range(max(1, min(20, runs // 5))):  # warm-up: Saxon compiles template rules lazily
        engine.validate(xml, received_at=RECEIVED_AT)
        if reference:
            reference()
    per_layer: dict[str, list[float]] = {}
    totals = []
    cpu = []
    references = []
    for i in range(runs):
        c = time.process_time()
        t = time.perf_counter()
        report = engine.validate(xml, received_at=RECEIVED_AT)
        totals.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        assert report.valid, [(f.rule_id, f.message) for f in report.fatal_findings][:5]
        for layer in report.layers:
            per_layer.setdefault(layer.name, []).append(layer.duration_ms)
        if reference and ((i + 1) % BLOCK == 0 or i + 1 == runs):
            for _ in range(BLOCK):
                t = time.perf_counter()
                reference()
                references.append((time.perf_counter() - t) * 1000)
    result = {name: statistics.median(values) for name, values in per_layer.items()}
    result["total"] = statistics.median(totals)
    result["min"] = min(totals)
    result["cpu"] = statistics.median(cpu)
    if references:
        result["reference"] = statistics.median(references)
    return result


def official_en16931(engine: ValidationEngine, adir: Path, xml: bytes, stylesheet_path: str = OFFICIAL_EN16931):
    """The issue's second anchor, measured here and now: the official compiled EN 16931 stylesheet
    through saxonche on an already parsed base example (3.1 ms on an idle machine of this class).
    This machine's speed drifts by up to 2x within minutes; the ratio to this reference does not.
    (For the CII row: the official CII stylesheet on the parsed CII example.)"""
    stylesheet = XsltRuleSet(engine._processor, adir / stylesheet_path)
    node = engine._processor.parse_xml(xml_text=xml.decode("utf-8"))
    return lambda: stylesheet.run(node)


def _rss_mb(field: str) -> float:
    """VmRSS / VmHWM (peak) of this process in MB (Linux); NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_peak_rss() -> None:
    with contextlib.suppress(OSError):  # not every kernel offers it
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _one(size: str, runs: int, document: Path) -> dict:
    """Measure one document size in this process: build + warm the engine, read, validate.

    The document was generated by the parent process, so that this one holds what a server
    process would: the warmed engine and the document's bytes (generating it here would leave
    tens of MB of freed lxml memory in the process and inflate the peak)."""
    adir = artefacts_dir()
    t = time.perf_counter()
    cache = Path(os.environ.get("EINVOICE_VALIDATION_CACHE_DIR") or REPO / "data" / "cache")
    cii = size == "cii"
    engine = ValidationEngine(adir, cache_dir=cache,
                              accepted_scenarios=["en16931-cii" if cii else "peppol-bis-billing-3"])
    engine.warm()
    startup = time.perf_counter() - t
    xml = document.read_bytes()
    if cii:
        return _one_cii(engine, adir, xml, runs or 200, startup)
    if size == "base":
        lines, runs = 2, runs or 200
    else:
        lines = int(size)
        runs = runs or (50 if lines <= 100 else 9 if lines <= 1000 else 5)
    # The base row times the reference in blocks between its validations (its compilation is in
    # that row's "ready" figure and peak); the other rows time it after their runs, once the peak
    # is taken.
    base = (adir / BASE).read_bytes()
    reference = official_en16931(engine, adir, base) if size == "base" else None
    gc.collect()
    rss_ready = _rss_mb("VmRSS")
    _reset_peak_rss()
    m = measure(engine, xml, runs, reference)
    peak = _rss_mb("VmHWM")
    if reference is None:
        reference = official_en16931(engine, adir, base)
        for _ in range(20):
            reference()
        times = []
        for _ in range(100):
            t = time.perf_counter()
            reference()
            times.append((time.perf_counter() - t) * 1000)
        m["reference"] = statistics.median(times)
    return {
        **m,
        "size": size,
        "lines": lines,
        "bytes": len(xml),
        "runs": runs,
        "startup_s": startup,
        "rss_ready_mb": rss_ready,
        "peak_mb": peak,
        "artefacts": str(adir),
        "peppol_version": engine.release_for("peppol-bis-billing-3", RECEIVED_AT or datetime.now(UTC))[0].version,
    }


def _one_cii(engine: ValidationEngine, adir: Path, xml: bytes, runs: int, startup: float) -> dict:
    reference = official_en16931(engine, adir, xml, OFFICIAL_CII)
    gc.collect()
    _reset_peak_rss()
    m = measure(engine, xml, runs, reference)
    return {**m, "size": "cii", "lines": 20, "bytes": len(xml), "runs": runs, "startup_s": startup,
            "rss_ready_mb": _rss_mb("VmRSS"), "peak_mb": _rss_mb("VmHWM"), "artefacts": str(adir),
            "peppol_version": "-"}


def _print_cii(rows: list[dict]) -> None:
    print(f"{'CII document':<16}{'bytes':>10}{'xml':>9}{'xsd':>9}{'en16931-cii':>13}{'total':>10}{'min':>10}"
          f"{'cpu':>10}{'official':>10}{'ratio':>8}")
    for m in rows:
        print(f"{'CII example 1':<16}{m['bytes']:>10,}{m['xml']:>9.2f}{m['xsd']:>9.2f}{m['en16931-cii']:>13.2f}"
              f"{m['total']:>10.2f}{m['min']:>10.2f}{m['cpu']:>10.2f}{m['reference']:>10.2f}"
              f"{m['total'] / m['reference']:>8.2f}")
        print(f"  ({len(m['ratios'])} processes: whole CII scenario {', '.join(f'{r:.2f}' for r in m['ratios'])}x "
              "the official CII stylesheet alone)")
    print("CII example 1 of the EN 16931 artefacts (20 lines): parse, CII D16B XSD, our compile of the EN 16931")
    print("CII rules (en16931-cii includes Saxon's parse); official = the official CII stylesheet through")
    print("saxonche on the parsed document, timed in blocks alternating with the validations.")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="base,100,1000,5000,cii",
                        help="comma-separated line counts ('base': the Peppol base example; 'cii': the CII row)")
    parser.add_argument("--runs", type=int, default=0, help="runs per size (default: by size)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: measure one size, print JSON
    parser.add_argument("--document", type=Path, help=argparse.SUPPRESS)  # the child's document
    parser.add_argument("--at", help="time of receipt (ISO date): chooses the Peppol release, e.g. 2026-08-01 "
                        "for 3.0.19; default now")
    args = parser.parse_args()
    global RECEIVED_AT
    if args.at:
        RECEIVED_AT = datetime.fromisoformat(args.at).replace(tzinfo=UTC)
    if args.one:
        print(json.dumps(_one(args.one, args.runs, args.document)))
        return

    print(f"cores: {os.cpu_count()}; load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("each size runs in a fresh process (engine built and warmed, as a server process would be)")
    rows = []
    base = (artefacts_dir() / BASE).read_bytes()
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        for size in args.sizes.split(","):
            document = Path(tmp) / f"{size}.xml"
            if size == "cii":
                document.write_bytes((artefacts_dir() / CII_EXAMPLE).read_bytes())
            else:
                document.write_bytes(base if size == "base" else generate_invoice(base, int(size)))
            measured = []
            for _ in range(BASE_PROCESSES if size in ("base", "cii") else 1):
                out = subprocess.run(
                    [sys.executable, __file__, "--one", size, "--runs", str(args.runs), "--document", str(document),
                     *(["--at", args.at] if args.at else [])],
                    check=True, capture_output=True, text=True,
                )
                measured.append(json.loads(out.stdout.strip().splitlines()[-1]))
            measured.sort(key=lambda m: m["total"] / m["reference"])
            row = measured[len(measured) // 2]  # the process with the median ratio to the reference
            row["ratios"] = [m["total"] / m["reference"] for m in measured]
            rows.append(row)
    cii_rows = [m for m in rows if m["size"] == "cii"]
    rows = [m for m in rows if m["size"] != "cii"]
    if not rows:
        _print_cii(cii_rows)
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return
    print(f"artefacts: {rows[0]['artefacts']}; Peppol BIS Billing {rows[0]['peppol_version']} scenario "
          f"(XSD, EN 16931 as bundled with Peppol, Peppol rules); warm-up {rows[0]['startup_s']:.1f} s")
    print()
    header = (f"{'document':<16}{'bytes':>10}{'xml':>9}{'xsd':>9}{'en16931':>10}{'peppol':>10}"
              f"{'total':>10}{'min':>10}{'cpu':>10}{'ms/line':>9}{'peak MB':>9}{'ref':>8}{'norm':>10}")
    print(header)
    print("-" * len(header))
    for m in rows:
        label = "base example" if m["size"] == "base" else f"{m['lines']:,} lines"
        per_line = f"{m['total'] / m['lines']:>9.3f}" if m["size"] != "base" else f"{'-':>9}"
        print(f"{label:<16}{m['bytes']:>10,}{m['xml']:>9.2f}{m['xsd']:>9.2f}{m['en16931-peppol']:>10.2f}"
              f"{m['peppol-bis-3']:>10.2f}{m['total']:>10.2f}{m['min']:>10.2f}{m['cpu']:>10.2f}{per_line}{m['peak_mb']:>9.0f}"
              f"{m['reference']:>8.2f}{m['total'] * REFERENCE_ANCHOR_MS / m['reference']:>10.2f}")
    print()
    print("median of runs in milliseconds (min: fastest run; cpu: median CPU time of the process per")
    print("validation, which a busy machine inflates less than wall time); en16931 includes the Saxon parse of the")
    print("document, shared by the rule-set layers; ms/line = median total / lines; peak MB = peak RSS")
    print(f"of the whole process while validating (it holds {rows[-1]['rss_ready_mb']:.0f} MB once the "
          "scenario is compiled).")
    print("ref = the official EN 16931 stylesheet through saxonche on the parsed base example, timed in the same")
    print(f"process (the issue's anchor for it: {REFERENCE_ANCHOR_MS} ms on an idle machine of this class); norm = total x")
    print(f"{REFERENCE_ANCHOR_MS} / ref: the total on a machine as fast as the anchors' (this one's speed drifts by up to 2x).")
    print()
    base = next((m for m in rows if m["size"] == "base"), None)
    if base and "reference" in base:
        ratio = base["total"] / base["reference"]
        print(f"reference measured alongside the base example (blocks of {BLOCK} runs alternating with blocks of "
              f"{BLOCK} validations), in {len(base['ratios'])} processes: the whole scenario took "
              f"{', '.join(f'{r:.2f}' for r in base['ratios'])}x the reference; the row is the median process.")
        print(f"The "
              f"official EN 16931 stylesheet through saxonche on the parsed base example takes "
              f"{base['reference']:.2f} ms here now (the issue's anchor: {REFERENCE_ANCHOR_MS} ms). The whole "
              f"scenario takes {ratio:.2f}x that; the 3 ms target is {TARGET_BASE_MS / REFERENCE_ANCHOR_MS:.2f}x "
              f"the anchor, i.e. {base['reference'] * TARGET_BASE_MS / REFERENCE_ANCHOR_MS:.2f} ms on this machine now.")
        print()
    print("anchors (issue, same machine class):")
    for name, values in ANCHORS.items():
        print(f"  {name}: base {values['base']} ms, 1,000 lines {values[1000]} ms, 5,000 lines {values[5000]} ms")
    print("targets: whole Peppol scenario <= 3 ms on the base example; 5,000 lines < 1.5 s; linear; < 300 MB")
    print()
    if cii_rows:
        _print_cii(cii_rows)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
