"""Fill PostgreSQL with N invoices in minutes: intake's own rows for one invoice, repeated in SQL.

``bench/bulk_load.py`` sends every invoice through ``service.intake.receive()``: ~15 ms of CPU each,
hours for the 1,000,000 invoices of the growth figures (issue #21). This writes the same rows from
the database server:

1. One template invoice of the run goes through ``receive()`` exactly as the bulk loader sends it
   (gateway key, ``KnownValid`` validation), in a transaction that is read and then rolled back:
   every row any table got in that transaction (PostgreSQL's ``xmin``) is what intake writes per
   invoice, whichever tables that is today (invoice, audit events, change feed, match decision, and
   whatever a later change adds: webhook outbox rows, ledger entries, ...).
2. Each of its values becomes a pattern: the parts that differ per invoice are marked (BT-1 and its
   two look-up keys, BT-2, BT-9, the seller's BT-34, the document's SHA-256, the new row ids, the
   times), the rest is kept byte for byte.
3. Per chunk of invoices, a parameter row per invoice (computed in Python by the functions intake
   uses: ``load_documents.distinct``, ``invoice_number_keys``, SHA-256) is copied into a temporary
   table, and one ``INSERT ... SELECT`` per table writes every invoice's rows from the patterns.
4. Change-feed entries get their ``seq`` in intake's order and the positions ``feed.publish()``
   gives committed entries (seq order, after the last published one).

``tests/growth/test_fast_fill.py`` proves the rows equal those intake writes, table by table and
column by column (ids and times aside). Invoices of one run never look alike (no
DUPLICATE_SUSPECTED between them: each seller has at most one invoice a day, see ``spread_days``),
so one template stands for all; the fill refuses a database that already holds invoices of the
run's sellers, whose look-ups would find them.

    python -m bench.fast_fill DATABASE_URL N [--connections 2] [--sellers 500]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load_documents import FIRST_DAY, base_example, distinct, seller_address

CHUNK = 10_000  # invoices per transaction
STEP = timedelta(milliseconds=10)  # between two invoices' times of receipt (the last one: now)
TEMPLATE_INDEX = 7_654_321  # the template's number: distinctive digits, not one of the run's
_MARK = "\x00{}\x00"  # a marked part of a pattern (NUL never occurs in the values)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?")
_SECONDS = 'YYYY-MM-DD"T"HH24:MI:SS'  # bound: a colon in the statement would read as a parameter


def spread_days(n: int, sellers: int) -> int:
    """Days over which ``n`` invoices of ``sellers`` sellers spread so that no seller has two on one
    day (then no invoice of the run looks like another: DUPLICATE_SUSPECTED compares seller, day and
    amount, and every load document has the base example's amount): the smallest prime that is at
    least a year and at least n / sellers (a prime above ``sellers`` is coprime to it)."""
    d = max(365, -(-n // sellers), sellers + 1)
    while any(d % k == 0 for k in range(2, int(d ** 0.5) + 1)):
        d += 1
    return d


def tokens(base: bytes, run: str, i: int, sellers: int, days: int) -> tuple[bytes, dict[str, str]]:
    """Document ``i`` of the run and its per-invoice strings, by intake's own functions."""
    from service.normal_forms import invoice_number_keys

    doc = distinct(base, run, i, sellers=sellers, days=days)
    number = f"{run}-{i:07d}"
    k1, k2 = invoice_number_keys(number)
    issued = FIRST_DAY + timedelta(days=i % days)
    return doc, {"number": number, "nkey": k1, "nkey_runs": k2, "issued": issued.isoformat(),
                 "due": (issued + timedelta(days=30)).isoformat(),
                 "seller": seller_address(i % sellers).split(":")[1], "sha": hashlib.sha256(doc).hexdigest()}


# --- the template ----------------------------------------------------------------------------------


@dataclass
class Column:
    name: str
    sql_type: str
    kind: str  # text | bytes | uuid | timestamp | date | other
    omit: bool = False  # an autoincrement key: the database numbers it


@dataclass
class Table:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)


def _kind(col: Any) -> str:
    from sqlalchemy import JSON, Date, DateTime, LargeBinary, String, Uuid
    from sqlalchemy.types import TypeDecorator

    t = col.type.impl if isinstance(col.type, TypeDecorator) else col.type
    for cls, kind in ((DateTime, "timestamp"), (Date, "date"), (LargeBinary, "bytes"), (Uuid, "uuid"),
                      (JSON, "text"), (String, "text")):
        if isinstance(t, cls):
            return kind
    return "other"


def capture(engine: Any, base: bytes, run: str, sellers: int, days: int, validation: Any) -> list[Table]:
    """The rows one invoice's ``receive()`` writes, in table order (parents first); rolled back."""
    from sqlalchemy import Integer, text
    from sqlmodel import Session

    from service.api.deps import Principal
    from service.intake import receive
    from service.models import base as models_base
    from service.models.keys import Role

    doc, _ = tokens(base, run, TEMPLATE_INDEX, sellers, days)
    out: list[Table] = []
    with Session(engine) as session:
        xid = session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one() % 2**32
        receive(session, doc, Principal(role=Role.gateway, actor="key:bulk-load"), validation=validation)
        session.flush()
        conn = session.connection()
        for table in models_base.metadata.sorted_tables:
            if table.info.get("filled_by_triggers"):
                continue  # the database's triggers write its rows for the copied ones (a copy would be twice)
            columns = [Column(c.name, c.type.compile(dialect=engine.dialect), _kind(c),
                              omit=bool(c.primary_key and isinstance(c.type, Integer) and c.autoincrement))
                       for c in table.columns]
            select_list = ", ".join(
                f'encode("{c.name}", \'hex\')' if c.kind == "bytes" else
                f'"{c.name}"' if c.kind == "timestamp" else f'"{c.name}"::text' for c in columns)
            # rows this transaction wrote (its subtransactions, the savepoints, have later ids)
            found = conn.execute(text(f'SELECT {select_list} FROM "{table.name}" '
                                      "WHERE xmin::text::bigint >= :xid"), {"xid": xid}).all()
            if found:
                omitted = [c for c in columns if c.omit]
                rows = [dict(zip([c.name for c in columns], r, strict=True)) for r in found]
                if omitted:  # the database's own order of insertion (the feed's seq)
                    rows.sort(key=lambda r: int(r[omitted[0].name]))
                out.append(Table(table.name, columns, rows))
        session.rollback()
    if not any(t.name == "invoices" for t in out):
        raise RuntimeError("the template invoice wrote no invoice row")
    return out


# --- patterns -> SQL ----------------------------------------------------------------------------------


class Statement:
    """One INSERT ... SELECT per table, the constant parts as bound parameters."""

    def __init__(self, template: list[Table], names: dict[str, str], ids: dict[str, int], t0: datetime) -> None:
        self.names, self.ids, self.t0, self.params = names, ids, t0, {}
        self.sql = [self._insert(t) for t in template]

    def _bind(self, value: Any) -> str:
        key = f"c{len(self.params)}"
        self.params[key] = value
        return f"CAST(:{key} AS text)"  # typed: a parameter of unknown type inside concat() is refused

    def _timestamp(self, value: datetime) -> str:
        micros = round((value - self.t0) / timedelta(microseconds=1))
        return f"(p.at + interval '{micros} microseconds')"

    def _text(self, value: str) -> str:
        """A SQL expression for ``value`` with its per-invoice parts taken from the row ``p``."""
        marks: list[str] = []

        def timestamp(m: re.Match[str]) -> str:
            raw = m.group(0)
            try:
                moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                return raw
            if moment.tzinfo is None or abs(moment - self.t0) > timedelta(days=1):
                return raw  # a date of the document, not a time of this intake
            suffix = "Z" if raw.endswith("Z") else raw[-6:] if raw[-6] in "+-" else ""
            moment_sql = self._timestamp(moment)
            marks.append(  # isoformat: no fraction when it is zero
                f"to_char({moment_sql} AT TIME ZONE 'UTC', {self._bind(_SECONDS)}) || CASE WHEN "
                f"extract(microseconds FROM {moment_sql})::bigint % 1000000 = 0 THEN '' ELSE "
                f"to_char({moment_sql} AT TIME ZONE 'UTC', '.US') END || '{suffix}'")
            return _MARK.format(len(marks) - 1)

        value = _TIMESTAMP.sub(timestamp, value)
        # longest first: a key may contain a shorter one
        for literal, expr in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            if literal in value:
                marks.append(expr)
                value = value.replace(literal, _MARK.format(len(marks) - 1))
        if not marks:
            return self._bind(value)
        parts = value.split("\x00")  # literal, mark, literal, mark, ...
        sql = [self._bind(p) if k % 2 == 0 else f"({marks[int(p)]})" for k, p in enumerate(parts) if p or k % 2]
        return f"concat({', '.join(sql)})"

    def _value(self, col: Column, value: Any) -> str:
        if value is None:
            return "NULL"
        if col.kind == "timestamp":
            return self._timestamp(value)
        if col.kind == "uuid" and value in self.ids:
            return f"p.id{self.ids[value]}"
        if col.kind == "date":
            for name in ("issued", "due"):
                if value == self.names_by_token.get(name):
                    return f"p.{name}::date"
            return self._bind(value)
        if col.kind == "bytes":
            raw = bytes.fromhex(value)
            try:
                return f"convert_to({self._text(raw.decode('utf-8'))}, 'UTF8')"
            except UnicodeDecodeError:
                return f"decode({self._bind(value)}, 'hex')"
        if col.kind == "text":
            return self._text(value)
        return self._bind(value)

    @property
    def names_by_token(self) -> dict[str, str]:
        return {expr.removeprefix("p.").removesuffix("::text"): literal for literal, expr in self.names.items()}

    def _insert(self, table: Table) -> str:
        cols = [c for c in table.columns if not c.omit]
        selects = []
        for slot, row in enumerate(table.rows):
            exprs = ", ".join(f'CAST({self._value(c, row[c.name])} AS {c.sql_type}) AS "{c.name}"' for c in cols)
            selects.append(f"SELECT p.i AS i_, {slot} AS slot_, {exprs} FROM fill_params p")
        names = ", ".join(f'"{c.name}"' for c in cols)
        rows = " UNION ALL ".join(selects)
        if table.name == "change_feed":
            # seq in the order intake writes (each invoice's received, then its decision), and the
            # position feed.publish() would give them: every entry committed, numbered in seq order
            # after the last published one (the fill starts with none pending). Numbering 2,000,000
            # entries afterwards with publish() took as long as writing them.
            rest = ", ".join(f'"{c.name}"' for c in cols if c.name != "position")
            return (f'INSERT INTO "change_feed" (seq, "position", {rest}) SELECT s_, '
                    "s_ - CAST(:seq_base AS bigint) + CAST(:position_base AS bigint), "
                    f"{rest} FROM (SELECT nextval(pg_get_serial_sequence('change_feed', 'seq')) AS s_, q.* "
                    f"FROM ({rows}) q ORDER BY i_, slot_) numbered")
        # (no ORDER BY elsewhere: sorting wide rows, documents, would spill to disk)
        return f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM ({rows}) q'



def statement(template: list[Table], template_tokens: dict[str, str]) -> tuple[Statement, int]:
    invoice = next(t for t in template if t.name == "invoices").rows[0]
    ids: dict[str, int] = {}
    for t in template:  # every row's own uuid key is new per invoice
        for row in t.rows:
            for c in t.columns:
                if c.kind == "uuid" and c.name == "id" and row[c.name] not in ids:
                    ids[row[c.name]] = len(ids)
    names = {literal: f"p.{name}" for name, literal in template_tokens.items() if literal}
    names.update({i: f"p.id{k}::text" for i, k in ids.items()})
    return Statement(template, names, ids, invoice["created_at"]), len(ids)


# --- the fill -------------------------------------------------------------------------------------------


def _params_table(conn: Any, slots: int) -> None:
    from sqlalchemy import text

    ids = ", ".join(f"id{k} uuid" for k in range(slots))
    conn.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS fill_params (i bigint, number text, nkey text, "
                      f"nkey_runs text, issued text, due text, seller text, sha text, at timestamptz, {ids}) "
                      "ON COMMIT DELETE ROWS"))


def _fill_chunk(engine: Any, stmt: Statement, slots: int, base: bytes, run: str, lo: int, hi: int,
                sellers: int, days: int, last_at: datetime, n_last: int, replica: bool) -> int:
    from sqlalchemy import text

    buf = io.StringIO()
    for i in range(lo, hi):
        _, tok = tokens(base, run, i, sellers, days)
        at = last_at - (n_last - i) * STEP
        ids = "\t".join(str(uuid.uuid4()) for _ in range(slots))
        buf.write(f"{i}\t{tok['number']}\t{tok['nkey']}\t{tok['nkey_runs']}\t{tok['issued']}\t{tok['due']}\t"
                  f"{tok['seller']}\t{tok['sha']}\t{at.isoformat()}\t{ids}\n")
    with engine.connect() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        if replica:
            # every row's parent is written before it in this transaction: the foreign-key triggers
            # (a row lock on the invoice per audit event, feed entry and decision) only cost time
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        _params_table(conn, slots)
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy("COPY fill_params FROM STDIN") as copy:
            copy.write(buf.getvalue())
        for sql in stmt.sql:
            conn.execute(text(sql), stmt.params)
        conn.commit()
    return hi - lo


def fast_fill(url: str, artifacts_dir: Path, n: int, *, connections: int = 2, sellers: int = 500,
              days: int | None = None, run: str = "BULK", progress: bool = True, engine: Any = None) -> int:
    """Store ``n`` invoices (numbers ``<run>-0000000`` ...) in the PostgreSQL database at ``url``."""
    from sqlalchemy import text

    from bench.bulk_load import template_validation
    from service.db import make_engine
    from service.erp import feed

    days = days or spread_days(n, sellers)
    if sellers * days < n or days % sellers == 0:
        raise ValueError(f"{n} invoices of {sellers} sellers over {days} days: a seller would have two on a day")
    db = make_engine(url)
    if db.dialect.name != "postgresql":
        raise ValueError("the fast fill is for PostgreSQL (on SQLite use bench/bulk_load.py)")
    base = base_example(artifacts_dir)
    try:
        with db.connect() as conn:
            keys = [seller_address(s) for s in range(min(n, sellers))]
            if conn.execute(text("SELECT 1 FROM invoices WHERE seller_key = ANY(:k) LIMIT 1"), {"k": keys}).first():
                raise ValueError("the database already holds invoices of the run's sellers: their duplicate "
                                 "look-ups would differ from the template's (use a fresh database)")
        validation = template_validation(artifacts_dir, engine)
        template = capture(db, base, run, sellers, days, validation)
        _, template_tokens = tokens(base, run, TEMPLATE_INDEX, sellers, days)
        stmt, slots = statement(template, template_tokens)
        while feed.publish(db):  # none pending: positions continue from the last published one
            pass
        with db.connect() as conn:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence('change_feed', 'seq')")).scalar_one()
            stmt.params["seq_base"] = str(conn.execute(text(  # the last value handed out
                f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")).scalar_one())
            stmt.params["position_base"] = str(conn.execute(text(
                "SELECT coalesce(max(position), 0) FROM change_feed")).scalar_one())
        last_at = datetime.now(UTC)
        with db.connect() as conn:  # skipping foreign-key checks needs a superuser; user triggers there are none
            replica = bool(conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()) \
                and not conn.execute(text("SELECT 1 FROM pg_trigger WHERE NOT tgisinternal LIMIT 1")).first()
        chunks = [(lo, min(lo + CHUNK, n)) for lo in range(0, n, CHUNK)]
        done, started = 0, time.perf_counter()
        with ThreadPoolExecutor(max_workers=max(1, connections)) as pool:
            futures = [pool.submit(_fill_chunk, db, stmt, slots, base, run, lo, hi, sellers, days, last_at, n - 1,
                                   replica)
                       for lo, hi in chunks]
            for f in futures:
                done += f.result()
                if progress:
                    rate = done / max(time.perf_counter() - started, 1e-9)
                    print(f"\r{done:,}/{n:,} invoices stored ({rate:,.0f}/s)", end="", flush=True)
        assert feed.publish(db) == 0, "the fill left change-feed entries without a position"
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # what autovacuum does after a large insert: planner statistics, and the visibility map
            # that index-only scans (list and queue pages) rely on
            conn.execute(text("VACUUM (ANALYZE)"))
        if progress:
            print(f"\r{done:,}/{n:,} invoices stored in {time.perf_counter() - started:,.0f} s", flush=True)
        return done
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("n", type=int)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--sellers", type=int, default=500)
    parser.add_argument("--run", default="BULK", help="invoice number prefix")
    parser.add_argument("--artifacts", type=Path, default=None)
    args = parser.parse_args()
    from bench.bench_load import artefacts_dir
    from service.migrations import upgrade

    upgrade(args.database_url)
    fast_fill(args.database_url, args.artifacts or artefacts_dir(), args.n, connections=args.connections,
              sellers=args.sellers, run=args.run)


if __name__ == "__main__":
    main()
