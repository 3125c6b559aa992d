"""Hand memory the process no longer uses back to the operating system.

C heap: glibc keeps the pages of freed small blocks for reuse: after the lxml tree of a 7 MB
invoice (about 50 MB of small nodes) is dropped, the process still holds them, and the Saxon layers
that follow allocate on top, so the peak is the sum of both trees. ``malloc_trim(0)`` returns the
free pages; then the peak is the larger of the two. A no-op where the C library has no malloc_trim.

Saxon's heap (``settle_saxon_heap``): SaxonC runs in a GraalVM native image whose garbage collector
sizes its young generation adaptively and keeps that much memory ready for new objects. Compiling
the rule sets is allocation-heavy, so after a warm-up the heap holds about 50 MB more than the
engine needs; the collector only shrinks the young generation, a little per collection, while the
program keeps allocating short-lived objects. saxonche offers no way to set heap sizes or to ask for
a collection (it creates the GraalVM isolate without options), so we let it settle: evaluate a
throw-away expression that allocates short-lived strings until the resident size stops falling.
Measured (2 vCPU, after the Peppol scenario's warm-up): 222 -> ~178 MB in about 1.5 s; the peak
while validating a 5,000-line invoice six times fell from 307-355 MB to 245-300 MB (median ~265).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import time
from collections.abc import Callable
from typing import Any

__all__ = ["LARGE_DOCUMENT_BYTES", "release_freed_memory", "resident_mb", "settle_saxon_heap"]

# Below this, a document's trees are a few MB and trimming would only cost time (~1 ms a call).
LARGE_DOCUMENT_BYTES = 1 << 20


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; True when the C library could do it."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def resident_mb() -> float | None:
    """This process's resident set size in MB (Linux ``/proc/self/statm``); None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


# About 10 MB of short-lived strings, 20-30 ms: one step of the settling loop. Few live objects at
# any collection, so each collection is cheap and the collector judges a smaller young
# generation good enough (one expression with a large live sequence makes it grow instead).
_SHORT_LIVED_GARBAGE = "sum((1 to 300000) ! string-length(string(.)))"
_STEPS_BETWEEN_LOOKS = 3
_PATIENCE = 4  # looks without a new low before we stop: the resident size moves in steps
_MIN_GAIN_MB = 0.5


def settle_saxon_heap(processor: Any, *, max_seconds: float = 4.0,
                      resident: Callable[[], float | None] = resident_mb) -> float | None:
    """Let the Saxon heap shrink back after the rule sets were compiled (see the module docstring).

    ``processor`` is the process's ``PySaxonProcessor``; ``resident`` reads the resident size in
    MB. Returns how many MB it fell, or None where it cannot be read (the loop would run blind).
    """
    start = resident()
    if start is None:
        return None
    xpath = processor.new_xpath_processor()
    lowest, looks_since_low = start, 0
    deadline = time.monotonic() + max_seconds
    while looks_since_low < _PATIENCE and time.monotonic() < deadline:
        for _ in range(_STEPS_BETWEEN_LOOKS):
            xpath.evaluate_single(_SHORT_LIVED_GARBAGE)
        now = resident() or lowest
        if now < lowest - _MIN_GAIN_MB:
            lowest, looks_since_low = now, 0
        else:
            looks_since_low += 1
    release_freed_memory()
    return max(0.0, start - (resident() or lowest))
