"""Shared column types and helpers for SQLModel tables.

- ``UTCDateTime`` stores timezone-aware UTC and always returns aware datetimes (SQLite drops the
  offset; we put it back).
- ``DecimalType`` keeps amounts and quantities exact: NUMERIC on PostgreSQL, TEXT on SQLite
  (SQLite's NUMERIC would silently round-trip through float).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from enum import Enum

from sqlalchemy import Enum as SAEnum
from sqlalchemy import MetaData, Numeric, String
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

# Deterministic constraint names so migrations can refer to them (set before any table exists).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


# How far the service's clock is set ahead of (or behind) the real one in this context. Only
# `einvoice demo` sets it (clock_set_to), to load ten weeks of history through the real code paths.
_clock_offset: ContextVar[timedelta] = ContextVar("einvoice_clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) + _clock_offset.get()


@contextmanager
def clock_set_to(moment: datetime) -> Iterator[None]:
    """Within the block, utcnow() runs on from ``moment`` (every timestamp the service writes)."""
    token = _clock_offset.set(moment - datetime.now(UTC))
    try:
        yield
    finally:
        _clock_offset.reset(token)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator):
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


_INTEGER_DIGITS = 20  # NUMERIC(28, 8): 28 digits, 8 of them after the point


class DecimalType(TypeDecorator):
    impl = Numeric(28, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(28, 8, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        if not value.is_finite():
            raise ValueError(f"not a finite decimal: {value}")
        if value != 0 and value.adjusted() >= _INTEGER_DIGITS:
            # PostgreSQL refuses it (numeric field overflow); SQLite would store it as text and
            # every later read would carry it: refuse it the same way on both
            raise ValueError(f"{format(value, 'f')[:40]} does not fit NUMERIC(28, 8)")
        if dialect.name == "sqlite":
            return format(value, "f")
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return plain_decimal(Decimal(value))


def plain_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros (PostgreSQL pads NUMERIC(28,8)) without switching to exponent form.

    Never raises: a row written before the bounds (SQLite kept 1E+40 as text) must still read.
    """
    value = value.normalize()
    if value.as_tuple().exponent > 0:
        # quantize() would need more precision than the context's 28 digits for large values
        value = Decimal(format(value, "f"))
    return value


def enum_type(enum_cls: type[Enum], length: int = 32) -> SAEnum:
    """Store an enum as its value in a VARCHAR (no native PostgreSQL enum types to migrate)."""
    return SAEnum(enum_cls, native_enum=False, create_constraint=False, length=length,
                  values_callable=lambda e: [m.value for m in e], validate_strings=True)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


__all__ = ["enum_type", "plain_decimal", "DecimalType", "UTCDateTime", "created_at_field", "metadata", "new_id", "utcnow", "SQLModel"]
