"""Memory handed back after the warm-up (memory.settle_saxon_heap) and by large documents."""

from __future__ import annotations

import time

from service.validation.memory import resident_mb, settle_saxon_heap


class _Readings:
    """Resident sizes in MB as a process would report them, one per look; counts the looks."""

    def __init__(self, *values: float | None) -> None:
        self.values, self.looks = list(values), 0

    def __call__(self) -> float | None:
        self.looks += 1
        return self.values[min(self.looks, len(self.values)) - 1]


def test_settling_stops_once_the_resident_size_no_longer_falls(engine):
    # the start; falling for three looks; then no new low by more than 0.5 MB (a bump, noise)
    # for the patience of four looks; the reading after the C heap is trimmed; never read
    readings = _Readings(220, 210, 200, 190, 190.2, 195, 190, 189.8, 185, 100)
    released = settle_saxon_heap(engine._processor, resident=readings)
    assert readings.looks == 1 + 3 + 4 + 1
    assert released == 220 - 185


def test_settling_stops_at_its_time_limit(engine):
    falling = iter(range(10_000, 0, -1))
    started = time.monotonic()
    released = settle_saxon_heap(engine._processor, max_seconds=0.3, resident=lambda: float(next(falling)))
    assert time.monotonic() - started < 1.5
    assert released is not None and released > 0


def test_settling_does_not_run_where_the_resident_size_cannot_be_read(engine):
    readings = _Readings(None)
    assert settle_saxon_heap(engine._processor, resident=readings) is None
    assert readings.looks == 1


def test_the_warm_up_settles_the_heap_and_the_engine_still_validates(engine, mirror):
    assert resident_mb() is not None  # Linux, as the service's image and CI
    assert engine.heap_settled_mb is not None and engine.heap_settled_mb >= 0
    report = engine.validate((mirror / "peppol-bis-billing-3/rules/examples/base-example.xml").read_bytes())
    assert report.valid, [f.rule_id for f in report.fatal_findings]
