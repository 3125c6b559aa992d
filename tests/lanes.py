"""Test lanes: `make test` runs every test; `make test-fast` (`pytest --fast`) the pure-core ones.

A test's lane follows from what it uses, so a new test lands in the right lane without a marker:

- the database: any fixture built on ``db_url`` (``engine``, ``session``, ``settings``, ``app``,
  ``client``, ...), which is how every database test gets its database;
- a browser: the ``browser`` marker (Playwright tests carry it already);
- processes and servers a test starts itself (the CLI, uvicorn, SMTP, an OIDC provider): the
  ``process`` marker;
- ``slow`` tests;
- the official validation artefacts (the ``artifacts_dir``, ``artifacts_mirror``, ``validation``
  and ``rule_sets`` fixtures): pure, but loading and compiling the official XSDs and Schematron
  takes minutes, so those tests are the whole suite's; the fast lane keeps the cores' own logic
  (parsers, the matching engine, the Schematron compiler on small schemas, normal forms, units).

What keeps the fast lane honest: there, starting a process, opening a network connection or a
database connection fails the test with a message saying which marker it needs.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

NOT_FAST_MARKERS = ("browser", "process", "slow", "postgres")
NOT_FAST_FIXTURES = ("db_url", "artifacts_dir", "artifacts_mirror", "validation", "rule_sets")


class NotAFastTest(RuntimeError):
    """A test in the fast lane reached for something only the whole suite provides."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fast", action="store_true",
                     help="only the pure-core tests: no database, browser, server or other process")


def is_fast(item: pytest.Item) -> bool:
    if any(name in NOT_FAST_FIXTURES for name in getattr(item, "fixturenames", ())):
        return False
    return not any(item.get_closest_marker(name) for name in NOT_FAST_MARKERS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("fast"):
        return
    slow = [item for item in items if not is_fast(item)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if is_fast(item)]


@pytest.fixture(autouse=True)
def _fast_lane_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not request.config.getoption("fast"):
        yield
        return
    test = request.node.nodeid

    def refuse(what: str, marker: str) -> Any:
        def refused(*_args: Any, **_kwargs: Any) -> Any:
            raise NotAFastTest(f"{test} {what}: not in the fast lane; use a database fixture "
                               f"or mark it @pytest.mark.{marker}")
        return refused

    original_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            refuse(f"connects to {address}", "process")()
        return original_connect(sock, address)

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("starts a process", "process"))
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(sqlite3, "connect", refuse("opens a database", "process"))
    yield
