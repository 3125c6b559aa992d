"""The SQLite processors of UTCDateTime and SQLiteUuid write the text and read the values SQLAlchemy's did."""

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import DateTime, TypeDecorator

from service.models.base import UTCDateTime


class StockUTCDateTime(TypeDecorator):
    """UTCDateTime as it was: its UTC steps around SQLAlchemy's DATETIME processors."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


MOMENTS = [
    datetime(2026, 12, 7, 1, 13, 11, 561368, tzinfo=UTC),
    datetime(2026, 12, 7, 1, 13, 11, tzinfo=UTC),  # no microseconds: still written with six digits
    datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=ZoneInfo("Europe/Amsterdam")),
    datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"), fold=1),
    datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-11))),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a year of three digits: zero-padded either way
    datetime(9999, 12, 31, 12, 0, tzinfo=UTC),
    None,
]


def test_the_processors_match_the_stock_ones(engine):
    dialect = engine.dialect
    new_bind, old_bind = (t._cached_bind_processor(dialect) for t in (UTCDateTime(), StockUTCDateTime()))
    new_read, old_read = (t._cached_result_processor(dialect, None) for t in (UTCDateTime(), StockUTCDateTime()))
    for moment in MOMENTS:
        written = old_bind(moment) if old_bind else moment
        assert (new_bind(moment) if new_bind else moment) == written, moment
        if dialect.name == "sqlite":
            assert new_read(written) == old_read(written), moment
            assert new_read(written) is None or new_read(written).tzinfo is UTC
    if dialect.name == "sqlite":  # text another writer may have left with an offset reads the same
        for stored in ("2026-12-07 01:13:11+02:00", "2026-12-07T01:13:11.5", "2026-12-07 01:13:11"):
            assert new_read(stored) == old_read(stored), stored


@pytest.mark.parametrize("bad", [datetime(2026, 1, 1), datetime(2026, 1, 1, 12, 30, 1, 5)])
def test_naive_datetimes_are_refused(engine, bad):
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime()._cached_bind_processor(engine.dialect)(bad)


def test_stored_rows_and_read_values_are_the_same(engine):
    """Through the database: the same stored text (SQLite) or value (PostgreSQL), read back alike."""
    meta = MetaData()
    table = Table("utc_datetime_check", meta, Column("n", Integer, primary_key=True),
                  Column("new", UTCDateTime), Column("old", StockUTCDateTime), prefixes=["TEMPORARY"])
    with engine.connect() as conn:
        meta.create_all(conn)
        conn.execute(insert(table), [{"n": n, "new": m, "old": m} for n, m in enumerate(MOMENTS)])
        raw = conn.execute(text("SELECT new, old FROM utc_datetime_check ORDER BY n")).all()
        assert all(new == old for new, old in raw), raw
        read = conn.execute(select(table.c.new, table.c.old).order_by(table.c.n)).all()
        assert [tuple(r) for r in read] == [(m, m) if m is None else (m.astimezone(UTC),) * 2 for m in MOMENTS]
        assert all(new is None or (new.tzinfo is not None and new.utcoffset() == timedelta(0)) for new, _ in read)
        conn.rollback()


# --- UUID columns as SQLite reads them (SQLiteUuid) -------------------------------------------------

UUID_TEXTS = [
    uuid4().hex, uuid4().hex.upper(), "0" * 32, "f" * 32, str(uuid4()), "{" + str(uuid4()) + "}",
    "urn:uuid:" + str(uuid4()), "0x" + "a" * 30, "+" + "b" * 31, " " + "c" * 31, "1_" + "d" * 30, None,
]
BAD_UUID_TEXTS = ["-" + "a" * 31, "{" + "a" * 30 + "}", "g" * 32, "a" * 31, "a" * 33, "urn:uuid:" + "a" * 23]


@pytest.mark.on_backend("sqlite")
def test_sqlite_reads_uuids_as_uuid_did(engine):
    read = Uuid()._cached_result_processor(engine.dialect, None)
    stock = Uuid()._cached_result_processor(sqlite.dialect(), None)
    assert read is not stock and "SQLiteUuid" in read.__qualname__  # make_engine put it in place
    for stored in UUID_TEXTS:
        got, want = read(stored), stock(stored)
        assert got == want and type(got) is type(want), stored
        assert want is None or (got.int, got.is_safe, hash(got), str(got)) == (want.int, want.is_safe, hash(want), str(want))
    for stored in BAD_UUID_TEXTS:
        with pytest.raises(ValueError) as ours:
            read(stored)
        with pytest.raises(ValueError) as theirs:
            stock(stored)
        assert str(ours.value) == str(theirs.value), stored


def test_uuid_columns_round_trip(engine):
    meta = MetaData()
    table = Table("uuid_check", meta, Column("n", Integer, primary_key=True), Column("u", Uuid),
                  prefixes=["TEMPORARY"])
    ids = [uuid4() for _ in range(5)] + [UUID(int=0), UUID(int=2**128 - 1), None]
    with engine.connect() as conn:
        meta.create_all(conn)
        conn.execute(insert(table), [{"n": n, "u": u} for n, u in enumerate(ids)])
        assert conn.execute(select(table.c.u).order_by(table.c.n)).scalars().all() == ids
        conn.rollback()
