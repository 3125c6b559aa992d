"""CPU time and peak memory of a piece of work, and a CPU budget calibrated to the machine now.

The machine the suite runs on is shared and often loaded: wall-clock bounds flake, and even CPU
time stretches when the cores are contended. The budget is therefore "one second, or ten times
what parsing a legitimate 5,000-line invoice (6.8 MB) costs right now, whichever is more": a
refusal must cost no more than a small multiple of reading a large legitimate document.
"""

from __future__ import annotations

import functools
import resource
import time

from lxml import etree


def cpu_and_memory(fn):
    """(result or exception, CPU seconds of this process, growth of its peak RSS in MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the caller inspects it
        result = exc
    return result, time.process_time() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024


@functools.cache
def _large_invoice() -> bytes:
    from tests.security.documents import lines

    return lines(5000)


def cpu_budget(seconds: float = 1.0) -> float:
    """``seconds``, or ten times the CPU a 5,000-line invoice's parse takes now if that is more."""
    doc = _large_invoice()
    started = time.process_time()
    etree.fromstring(doc)
    return max(seconds, 10 * (time.process_time() - started) * seconds)
