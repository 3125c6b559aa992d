"""Speed of the Schematron layers on growing invoices: ``python tests/validation/schematron/sch_perf.py``.

Prints the median milliseconds per rule set (ours vs official) at 1, 100, 1,000 and 5,000 lines
(the Peppol base example with more lines) as "wall/cpu (number of findings)". Not a test:
numbers are noisy on a shared machine (CPU time is the steadier one).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from sch_documents import PEPPOL_BASE, big_invoice

from service.validation.schematron import SchematronRuleSet


def main() -> None:
    from saxonche import PySaxonProcessor

    repo = Path(__file__).resolve().parents[3]
    artifacts = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or repo.parent / "shared" / "artifacts")
    sizes = [int(x) for x in (sys.argv[1:] or ["1", "100", "1000", "5000"])]
    proc = PySaxonProcessor(license=False)
    cache = Path(tempfile.mkdtemp(prefix="sch-perf-"))
    sets = {
        "en16931 (ours)": SchematronRuleSet.load(proc, artifacts / "en16931/ubl/schematron/EN16931-UBL-validation.sch", cache),
        "en16931 (official)": SchematronRuleSet.from_xslt(
            artifacts / "en16931/ubl/xslt/EN16931-UBL-validation.xslt", name="en-off", processor=proc),
        "cen-peppol (ours)": SchematronRuleSet.load(
            proc, artifacts / "peppol-bis-billing-3/rules/sch/CEN-EN16931-UBL.sch", cache),
        "peppol (ours)": SchematronRuleSet.load(proc, artifacts / "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch", cache),
    }
    if os.environ.get("SCH_PERF_SI"):
        sets["si-ubl (ours)"] = SchematronRuleSet.load(proc, artifacts / "nlcius/schematron/si-ubl-2.0.sch", cache)
        sets["si-ubl (official)"] = SchematronRuleSet.from_xslt(
            artifacts / "nlcius/xsl/si-ubl-2.0.xsl", name="si-off", processor=proc)
    print(f"{'lines':>6} " + " ".join(f"{n:>22}" for n in sets))
    for n in sizes:
        data = (artifacts / PEPPOL_BASE).read_bytes() if n == 1 else big_invoice(artifacts, n)
        text = data.decode()
        row = []
        for rs in sets.values():
            reps = 60 if n <= 100 else (5 if n <= 1000 else 3)
            times, cpu = [], []
            for _ in range(reps + 1):
                node = proc.parse_xml(xml_text=text)  # a fresh document each run, as in the service
                t, c = time.perf_counter(), time.process_time()
                res = rs.run(node)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            assert res.error is None, res.error
            row.append(f"{statistics.median(times[1:]):8.1f}/{statistics.median(cpu[1:]):6.1f} ({len(res.failed):3d})")
        print(f"{n:>6} " + " ".join(f"{c:>22}" for c in row), flush=True)


if __name__ == "__main__":
    main()
