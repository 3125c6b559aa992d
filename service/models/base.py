"""Shared column types and helpers for SQLModel tables.

- ``UTCDateTime`` stores timezone-aware UTC and always returns aware datetimes (SQLite drops the
  offset; we put it back).
- ``DecimalType`` keeps amounts and quantities exact: NUMERIC on PostgreSQL, TEXT on SQLite
  (SQLite's NUMERIC would silently round-trip through float).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from enum import Enum

from sqlalchemy import Enum as SAEnum
from sqlalchemy import MetaData, Numeric, String
from sqlalchemy.orm import configure_mappers
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


_Row = TypeVar("_Row", bound=SQLModel)


def new_row(cls: type[_Row], **values: Any) -> _Row:
    """``cls(**values)`` for a table model without relationships, made several times faster.

    SQLModel's constructor sets every field through SQLAlchemy's instrumented ``setattr`` and then
    pydantic's, about 3 us a column: 130 us for an invoice's 44 columns, 38 us for an audit event,
    on every new invoice. Here the values and the other fields' defaults go straight into the
    instance's ``__dict__``, as SQLAlchemy fills an object it loads; the object is transient as after
    the constructor, and a flush (or the service's own INSERT) reads the same ``__dict__``. Neither
    way validates (SQLModel does not validate table models). Attribute listeners ("set" events) do
    not run: the caller does what they would have done.
    """
    fields, defaults = _row_fields(cls)
    unknown = values.keys() - fields
    if unknown:  # the constructor would drop them silently; here they are a mistake
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    instance = cls._sa_class_manager.new_instance()  # cls.__new__ and the SQLAlchemy state
    state = instance.__dict__
    for name, factory, default in defaults:
        if name not in values:
            state[name] = factory() if factory is not None else _fresh(default)
    state.update(values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    return instance


# a default of one of these types is shared, not copied (pydantic copies any other, as here)
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Decimal, uuid.UUID, datetime, Enum)


def _fresh(default: Any) -> Any:
    return default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default)


@cache
def _row_fields(cls: type[SQLModel]) -> tuple[frozenset[str], tuple[tuple[str, Any, Any], ...]]:
    """The model's field names and (name, default factory or None, default) of the optional ones,
    read once per class: pydantic's ``get_default`` inspects a factory's signature at every call
    (85 us for ``list``)."""
    if cls.__sqlmodel_relationships__:
        raise TypeError(f"{cls.__name__} has relationships: use its constructor")
    if not cls.__mapper__.configured:  # the constructor configures the mappers on first use; so do we
        configure_mappers()
    defaults = []
    for name, field in cls.model_fields.items():
        if field.is_required():
            continue
        if field.default_factory is not None and field.default_factory_takes_validated_data:
            raise TypeError(f"{cls.__name__}.{name}'s default needs the other fields: use the constructor")
        defaults.append((name, field.default_factory, field.default))
    return frozenset(cls.model_fields), tuple(defaults)


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
