"""The hot routes' worker-thread calls (service/api/offload.py) keep what anyio's gave them: the
caller's context, errors raised to the caller, and a cancelled request outliving its work."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from service.api import offload

where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")


def test_the_work_runs_in_another_thread_in_a_copy_of_the_callers_context():
    def work(n: int) -> tuple[str, int, bool]:
        seen = where.get()
        where.set("changed in the thread")
        return seen, n * 2, threading.current_thread() is threading.main_thread()

    async def request() -> tuple[tuple[str, int, bool], str]:
        where.set("request 1")
        answer = await offload.in_thread(work, 21)
        return answer, where.get()

    assert asyncio.run(request()) == (("request 1", 42, False), "request 1")


def test_the_works_error_reaches_the_caller():
    def work() -> None:
        raise LookupError("gone")

    with pytest.raises(LookupError, match="gone"):
        asyncio.run(offload.in_thread(work))


def test_a_request_cancelled_while_its_work_runs_ends_after_the_work():
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        release.wait(10)
        finished.set()

    async def scenario() -> bool:
        task = asyncio.create_task(offload.in_thread(work))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()
        await asyncio.sleep(0.05)
        waited = not task.done()  # still waiting for the work
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return waited and finished.is_set()

    assert asyncio.run(scenario())
