"""Hand memory freed by a large document back to the operating system.

glibc keeps the pages of freed small blocks for reuse: after the lxml tree of a 7 MB invoice
(about 50 MB of small nodes) is dropped, the process still holds them, and the Saxon layers that
follow allocate on top, so the peak is the sum of both trees. ``malloc_trim(0)`` returns the free
pages; then the peak is the larger of the two. A no-op where the C library has no malloc_trim.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

__all__ = ["LARGE_DOCUMENT_BYTES", "release_freed_memory"]

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
