"""The server side of a load run: a fresh database, `einvoice serve` as a process tree, and the
CPU time and memory of its processes (and of the database's backends) read from /proc."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def artefacts_dir() -> Path:
    from service.validation.artefacts import missing_artefacts

    for candidate in (os.environ.get("EINVOICE_ARTIFACTS_DIR"), REPO / "data" / "artifacts",
                      os.environ.get("EINVOICE_ARTIFACTS_MIRROR"), REPO.parent / "shared" / "artifacts"):
        if candidate and not missing_artefacts(Path(candidate)):
            return Path(candidate)
    sys.exit("no validation artefacts: run `einvoice artifacts install`")


class Database:
    """A fresh database for one run: a new PostgreSQL database (dropped afterwards), or a SQLite file."""

    def __init__(self, kind: str, workdir: Path) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from service.db import make_engine, normalise_url

        self.kind, self.admin_url, self.name = kind, None, None
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'load.db'}"
            return
        base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if not base:
            sys.exit("PostgreSQL needs BENCH_DATABASE_URL (or TEST_DATABASE_URL); or use --database sqlite")
        self.admin_url = make_url(normalise_url(base))
        self.name = f"einvoice_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(self.admin_url.render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.url = self.admin_url.set(database=self.name).render_as_string(hide_password=False)

    @classmethod
    def existing(cls, url: str) -> Database:
        """A database filled beforehand (``python -m bench.fast_fill``), kept after the run: the
        fill of 1,000,000 invoices can then run while the machine is busy, the timing when it is quiet."""
        from sqlalchemy.engine import make_url

        from service.db import normalise_url

        db = cls.__new__(cls)
        parsed = make_url(normalise_url(url))
        db.kind = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        db.url, db.admin_url, db.name, db.kept = url, None, parsed.database, True
        return db

    def drop(self) -> None:
        if self.name is None or getattr(self, "kept", False):
            return
        from sqlalchemy import text

        from service.db import make_engine

        admin = make_engine(self.admin_url.render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()

    def backend_pids(self) -> list[int]:
        """The PostgreSQL backends serving this database (their CPU is the database's share)."""
        if self.name is None:
            return []
        from sqlalchemy import text

        from service.db import make_engine

        engine = make_engine(self.url)
        with engine.connect() as conn:
            pids = [r[0] for r in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
        engine.dispose()
        return pids


def proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def proc_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def descendants(pid: int, *, include_self: bool = False) -> list[int]:
    found, todo = ([pid] if include_self else []), [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class Server:
    """`einvoice serve` as a child process tree; CPU and memory read from /proc."""

    def __init__(self, db: Database, workers: int, workdir: Path, artifacts: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": db.url, "EINVOICE_ENVIRONMENT": "production",
               "EINVOICE_SECRET_KEY": secrets.token_urlsafe(32), "EINVOICE_ARTIFACTS_DIR": str(artifacts),
               "EINVOICE_VALIDATION_CACHE_DIR": str(workdir / "cache"),
               # production wants https links (Secure cookies); the load balancer would terminate TLS
               "EINVOICE_PUBLIC_BASE_URL": "https://einvoice.bench.invalid"}
        env.pop("EINVOICE_DATABASE_URL", None)
        self.log = open(workdir / "server.log", "wb")  # noqa: SIM115 (open while the server runs)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "einvoice"), "serve", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers)],
            cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                self.log.close()
                sys.exit("the server exited:\n" + (workdir / "server.log").read_text(errors="replace")[-2000:])
            answer = ""
            try:
                ready = httpx.get(f"{self.url}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
                answer = f"{ready.status_code} {ready.text[:500]}"
            except httpx.HTTPError as exc:
                answer = str(exc)
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the server did not become ready within 300 s: {answer}\n"
                         + (workdir / "server.log").read_text(errors="replace")[-2000:])
            time.sleep(0.5)
        # the worker processes (not multiprocessing's resource tracker); with one worker the server
        # is the worker, and its children are its validation processes
        self.workers = [p for p in children(self.proc.pid)
                        if b"resource_tracker" not in _cmdline(p)] if workers > 1 else [self.proc.pid]

    def cpu_seconds(self) -> float:
        """The whole process tree: master, workers and each worker's validation process (a
        grandchild: counting only children left validation out of the figure)."""
        return sum(proc_cpu_seconds(p) for p in descendants(self.proc.pid, include_self=True))

    def validation_cpu_seconds(self) -> float:
        """The validation processes' share (children of the workers)."""
        return sum(proc_cpu_seconds(p) for w in self.workers for p in children(w))

    def rss_mb(self) -> list[float]:
        return [proc_rss_mb(p) for p in self.workers]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class MemorySampler(threading.Thread):
    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.samples, self.stopped = server, [], threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self.stopped.wait(1.0):
            self.samples.append((time.monotonic() - start, self.server.rss_mb()))


