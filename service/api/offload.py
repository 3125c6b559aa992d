"""A request's blocking work (database, validation hand-off) in a worker thread, for the hot routes.

Starlette's ``run_in_threadpool`` (anyio) passes two checkpoints (each a further turn of the event
loop), a capacity limiter and a cancel scope before the work starts: about 110 us of the event
loop's CPU per trip against about 65 us for a plain executor (issue #21, measured 2026-12-07, 3,000
trips). Kept from anyio: the work runs in a copy of the caller's context (the request id of its
log lines), at most ``THREADS`` calls run at once (anyio's default limit, so a burst still cannot
take more threads than the database pool and the thread pool allowed before), and a request that
is cancelled while its work runs waits for that work to end before it gives up.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

THREADS = 40  # anyio's default thread limit, which these calls shared before
_pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="einvoice-request")


async def in_thread(fn: Callable[..., T], /, *args: Any) -> T:
    """``fn(*args)`` in a worker thread, in a copy of the current context."""
    done = _pool.submit(contextvars.copy_context().run, fn, *args)
    try:
        return await asyncio.wrap_future(done)
    except asyncio.CancelledError:
        # not started yet: it never runs; started: as with anyio, the request ends only after its
        # work has (no transaction still running behind a request that has answered)
        if not done.cancel():
            with contextlib.suppress(Exception):  # the work's own error: cancelled all the same
                await asyncio.shield(asyncio.wrap_future(done))
        raise
