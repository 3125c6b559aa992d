"""Load benchmark (`make bench-load`): invoices per second end to end over real HTTP (issue #21).

`einvoice serve --workers W` runs as its own process tree on a fresh database (PostgreSQL from
BENCH_DATABASE_URL or TEST_DATABASE_URL: a new database is created and dropped; or SQLite), in the
production environment with its default logging. Clients POST Peppol base-size invoices of distinct
sellers, numbers and dates (``bench/load_documents.py``) with a gateway key:

- closed loop: ``--clients`` (16) clients, each posting as soon as its previous answer came; the
  achieved invoices/s and the latency percentiles;
- open loop: ``--rate`` invoices/s at fixed times for ``--seconds``; latency counted from the time a
  request was due (a slow answer does not hide the requests queued behind it);
- the server's CPU time per invoice (master, workers and their validation processes, from /proc;
  the validation share also on its own) and, on a local PostgreSQL, the
  database backends' CPU time per invoice; each worker's memory (RSS) sampled once a second.

``--stored N`` first fills the database with N invoices (the same rows intake writes, proven by
tests): on PostgreSQL with ``bench/fast_fill.py`` (SQL, 1,000,000 in minutes), on SQLite through
intake with ``bench/bulk_load.py``; the growth figures. It then also times reads: GET by id, list
pages, search, the change feed, the review queue. Figures on a shared machine are noisy: run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx

from bench.load_documents import base_example, distinct
from bench.load_server import Database, MemorySampler, Server, artefacts_dir, proc_cpu_seconds
from bench.raw_http import RawClient


# --- load --------------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Run:
    def __init__(self, label: str) -> None:
        self.label, self.latencies, self.statuses, self.errors = label, [], {}, 0
        self.lock = threading.Lock()

    def record(self, ms: float, status: int | None) -> None:
        with self.lock:
            self.latencies.append(ms)
            if status is None:
                self.errors += 1
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def summary(self, elapsed: float, cpu: float, db_cpu: float | None) -> dict:
        ordered = sorted(self.latencies)
        n = len(ordered)
        ok = sum(v for k, v in self.statuses.items() if 200 <= k < 300)
        return {"label": self.label, "requests": n, "created": self.statuses.get(201, 0), "ok": ok,
                "statuses": self.statuses, "errors": self.errors, "seconds": round(elapsed, 2),
                "per_second": round(ok / elapsed, 1) if elapsed else 0.0,
                "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
                "p95_ms": round(percentile(ordered, 0.95), 1), "p99_ms": round(percentile(ordered, 0.99), 1),
                "server_cpu_ms_per_invoice": round(cpu * 1000 / ok, 2) if ok else None,
                "db_cpu_ms_per_invoice": round(db_cpu * 1000 / ok, 2) if ok and db_cpu is not None else None}


class Documents:
    def __init__(self, base: bytes, run: str) -> None:
        self.base, self.run, self.next, self.lock = base, run, 0, threading.Lock()

    def take(self) -> bytes:
        with self.lock:
            i, self.next = self.next, self.next + 1
        return distinct(self.base, self.run, i)


def post(client, doc: bytes) -> int | None:
    try:
        if isinstance(client, RawClient):
            return client.post("/v1/invoices", doc)
        return client.post("/v1/invoices", content=doc).status_code
    except (httpx.HTTPError, OSError, ValueError):
        return None


def connector(kind: str, server: Server, headers: dict):
    """A function opening one load connection: raw sockets (bench/raw_http.py) or httpx."""
    if kind == "raw":
        return lambda: RawClient(server.url, headers, timeout=60)
    return lambda: httpx.Client(base_url=server.url, headers=headers, timeout=60)


def closed_loop(connect, docs: Documents, clients: int, count: int, run: Run) -> float:
    remaining = iter(range(count))
    lock = threading.Lock()

    def client_loop() -> None:
        with connect() as client:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                doc = docs.take()
                t = time.perf_counter()
                status = post(client, doc)
                run.record((time.perf_counter() - t) * 1000, status)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def open_loop(connect, docs: Documents, rate: float, seconds: float, run: Run) -> float:
    local = threading.local()

    def send(due: float) -> None:
        if not hasattr(local, "client"):
            local.client = connect()
        status = post(local.client, docs.take())
        run.record((time.perf_counter() - due) * 1000, status)

    total = int(rate * seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=256) as pool:
        for i in range(total):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(send, due)
    return time.perf_counter() - start


def measured(server: Server, db: Database, label: str, work) -> dict:
    run = Run(label)
    pids = db.backend_pids()
    cpu0, db0, val0 = server.cpu_seconds(), sum(proc_cpu_seconds(p) for p in pids), server.validation_cpu_seconds()
    client0 = time.process_time()  # this process: the load generator's threads share the server's cores
    elapsed = work(run)
    client = time.process_time() - client0
    cpu = server.cpu_seconds() - cpu0
    validation = server.validation_cpu_seconds() - val0
    db_cpu = sum(proc_cpu_seconds(p) for p in set(pids) | set(db.backend_pids())) - db0 if pids else None
    out = run.summary(elapsed, cpu, db_cpu)
    out["validation_cpu_ms_per_invoice"] = round(validation * 1000 / out["ok"], 2) if out["ok"] else None
    out["client_cpu_ms_per_invoice"] = round(client * 1000 / out["ok"], 2) if out["ok"] else None
    return out


def timed_reads(server: Server, admin: dict, n: int = 200) -> list[dict]:
    """GET by id, list pages (first, filtered, deep), the change feed: p50/p99 over ``n`` each."""
    with httpx.Client(base_url=server.url, headers=admin, timeout=60) as client:
        page = client.get("/v1/invoices", params={"limit": 200}).json()
        ids = [i["id"] for i in page["data"]]
        later = page["next_cursor"]  # the page after the first 200 (none when fewer are stored)
        seller = page["data"][0]["seller"]["key"]
        head = int(client.get("/v1/events", params={"limit": 1}).json()["next_cursor"] or 0)
        reads = {
            "GET /v1/invoices/{id}": lambda k: f"/v1/invoices/{ids[k % len(ids)]}",
            "GET /v1/invoices (first page, 50)": lambda k: "/v1/invoices",
            "GET /v1/invoices?seller=... (50)": lambda k: f"/v1/invoices?seller={seller}",
            "GET /v1/invoices?status=needs_review (50)": lambda k: "/v1/invoices?status=needs_review",
            "GET /v1/invoices?cursor=... (a later page)": lambda k: f"/v1/invoices?cursor={later}",
            "GET /v1/events?after=... (100)": lambda k: f"/v1/events?after={max(0, head - 100 - k)}",
        }
        if later is None:
            del reads["GET /v1/invoices?cursor=... (a later page)"]
        out = []
        for label, path in reads.items():
            samples = []
            for k in range(n):
                t = time.perf_counter()
                r = client.get(path(k))
                samples.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (label, r.status_code, r.text[:300])
            ordered = sorted(samples)
            out.append({"label": label, "p50_ms": round(statistics.median(ordered), 2),
                        "p99_ms": round(percentile(ordered, 0.99), 2), "bytes": len(r.content)})
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default=None,
                        help="default: postgresql when BENCH_DATABASE_URL or TEST_DATABASE_URL is set")
    parser.add_argument("--workers", type=int, default=None, help="server processes (2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--clients", type=int, default=16, help="closed loop: concurrent clients (16)")
    parser.add_argument("--invoices", type=int, default=2000, help="closed loop: invoices (2000; 0 skips)")
    parser.add_argument("--rate", type=float, default=100, help="open loop: invoices per second (100; 0 skips)")
    parser.add_argument("--seconds", type=float, default=30, help="open loop: duration (30 s)")
    parser.add_argument("--stored", type=int, default=0, help="fill with this many invoices first (bulk loader)")
    parser.add_argument("--warm-up", type=int, default=50, help="invoices posted before measuring (50)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="the load's HTTP client: raw sockets (about 0.2 ms of CPU per request; default) or httpx (about 2 ms)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--database-url", default=None,
                        help="use this database, filled beforehand (python -m bench.fast_fill URL N), and keep it")
    args = parser.parse_args(argv)
    if args.database_url and args.stored:
        parser.error("--stored fills a new database; a --database-url one is filled beforehand")
    kind = args.database or ("postgresql" if os.environ.get("BENCH_DATABASE_URL")
                             or os.environ.get("TEST_DATABASE_URL") else "sqlite")
    if args.database_url:
        kind = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    workers = args.workers or (2 if kind == "postgresql" else 1)

    import tempfile

    from sqlalchemy import text
    from sqlmodel import Session

    from service.db import make_engine
    from service.keys import create_key
    from service.migrations import upgrade
    from service.models.keys import Role

    artifacts = artefacts_dir()
    base = base_example(artifacts)
    results: dict = {"database": kind, "workers": workers, "clients": args.clients, "client": args.client, "cpus": os.cpu_count(),
                     "load_average_before": round(os.getloadavg()[0], 2), "stored_before": args.stored, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        db = Database.existing(args.database_url) if args.database_url else Database(kind, workdir)
        server = None
        try:
            upgrade(db.url)
            engine = make_engine(db.url)
            if args.database_url:
                with engine.connect() as conn:
                    results["stored_before"] = conn.execute(text("SELECT count(*) FROM invoices")).scalar_one()
            with Session(engine) as s:
                _, gateway = create_key(s, role=Role.gateway, name="bench-load")
                _, admin = create_key(s, role=Role.admin, name="bench-load-reads")
                s.commit()
            engine.dispose()
            if args.stored:
                t = time.perf_counter()
                if kind == "postgresql":
                    from bench.fast_fill import fast_fill

                    fast_fill(db.url, artifacts, args.stored)
                else:
                    from bench.bulk_load import fill

                    fill(db.url, artifacts, args.stored)
                results["bulk_load_seconds"] = round(time.perf_counter() - t, 1)
            server = Server(db, workers, workdir, artifacts)
            headers = {"Authorization": f"Bearer {gateway}", "Content-Type": "application/xml"}
            connect = connector(args.client, server, headers)
            docs = Documents(base, f"LOAD{uuid.uuid4().hex[:6].upper()}")
            sampler = MemorySampler(server)
            sampler.start()
            if args.warm_up:
                closed_loop(connect, docs, min(args.clients, 4), args.warm_up, Run("warm-up"))
            if args.invoices:
                results["runs"].append(measured(
                    server, db, f"closed loop, {args.clients} clients",
                    lambda run: closed_loop(connect, docs, args.clients, args.invoices, run)))
            if args.rate:
                results["runs"].append(measured(
                    server, db, f"open loop, {args.rate:g}/s for {args.seconds:g} s",
                    lambda run: open_loop(connect, docs, args.rate, args.seconds, run)))
            sampler.stopped.set()
            sampler.join()
            results["rss_mb_per_worker"] = {
                "first": sampler.samples[0][1] if sampler.samples else server.rss_mb(),
                "last": sampler.samples[-1][1] if sampler.samples else server.rss_mb(),
                "max": [round(max(s[1][w] for s in sampler.samples), 1) for w in range(len(server.workers))]
                if sampler.samples else None,
                "seconds": round(sampler.samples[-1][0], 1) if sampler.samples else 0}
            results["reads"] = timed_reads(server, {"Authorization": f"Bearer {admin}"})
        finally:
            if server is not None:
                server.stop()
            db.drop()
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


def report(results: dict) -> None:
    print(f"\n{results['database']}, {results['workers']} worker(s), {results['cpus']} CPUs, "
          f"{results.get('client', 'httpx')} client, "
          f"{results['stored_before']} invoices stored before; load average {results['load_average_before']} "
          f"-> {results['load_average_after']}")
    print(f"{'run':<34} {'n':>6} {'2xx/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/inv':>10} {'of it val.':>10} {'DB ms/inv':>9} {'client':>7}  statuses")
    for r in results["runs"]:
        print(f"{r['label']:<34} {r['requests']:>6} {r['per_second']:>7} {r['p50_ms']:>8} {r['p95_ms']:>8} "
              f"{r['p99_ms']:>8} {r['server_cpu_ms_per_invoice']!s:>10} {r.get('validation_cpu_ms_per_invoice')!s:>10} "
              f"{r['db_cpu_ms_per_invoice']!s:>9} {r.get('client_cpu_ms_per_invoice')!s:>7}  {r['statuses']} errors={r['errors']}")
    print("CPU ms/inv: the server's whole process tree (master, workers, their validation processes); "
          "'of it val.': the validation processes' share; 'client': the load generator's own CPU (same cores)")
    rss = results["rss_mb_per_worker"]
    print(f"memory per worker (RSS MB) over {rss['seconds']} s: first {[round(x) for x in rss['first']]}, "
          f"last {[round(x) for x in rss['last']]}, max {rss['max']}")
    for r in results.get("reads", []):
        print(f"{r['label']:<46} p50 {r['p50_ms']:>7} ms  p99 {r['p99_ms']:>7} ms  {r['bytes']:>7} bytes")


if __name__ == "__main__":
    main()
