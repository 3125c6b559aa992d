"""Generations of what processes cache: one row per cached kind of data, with a token that every
write to the data's tables replaces (database triggers, migration 0035), so a process learns with
one cheap read whether its copy still holds, whichever process or tool wrote."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class CacheGeneration(SQLModel, table=True):
    __tablename__ = "cache_generations"

    name: str = Field(primary_key=True, max_length=40)
    # a random 63-bit number, never a count: a rolled-back write must not leave a token that a
    # later, different write gets again
    token: int = Field(sa_column=Column(BigInteger, nullable=False))
