"""CPU time and peak memory of a piece of work, and a CPU budget calibrated to the machine now.

The machine the suite runs on is shared and often loaded: wall-clock bounds flake, and even CPU
time stretches when the cores are contended. The budget is therefore "one second, or ten times
what parsing a legitimate 5,000-line invoice (6.8 MB) costs right now, whichever is more": a
refusal must cost no more than a small multiple of reading a large legitimate document.
"""

from __future__ import annotations

import functools
import gc
import resource
import time

from lxml import etree


def cpu_and_memory(fn):
    """(result or exception, CPU seconds of this process, growth of its peak RSS in MB).

    The collector is paused while ``fn`` runs (see ``code_cpu``): late in a full run one collection
    of the suite's heap costs 1-2 s of CPU, which once made a billion-laughs refusal that takes
    0.02 s look like 1.8 s. What is measured is the work of the request, not the test process's heap."""
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.disable()
    started = time.process_time()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the caller inspects it
        result = exc
    finally:
        cpu = time.process_time() - started
        gc.enable()
    return result, cpu, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024


def code_cpu(fn, *, tries: int = 2) -> float:
    """The least CPU seconds ``fn`` took over ``tries`` runs, the garbage collector paused.

    For growth comparisons (n against 8n): a full-suite process holds millions of objects, and a
    collection triggered by the larger run walks them all, which once made 8 times the work look
    like 32 times the cost. What is compared is the code's cost, not the test process's heap."""
    best = float("inf")
    for _ in range(tries):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            fn()
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


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
