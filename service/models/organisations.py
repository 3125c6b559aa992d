"""Buyer organisations: one instance serves several (a shared service centre for municipalities).

An invoice belongs to the organisation whose identifier equals its buyer electronic address (BT-49)
or buyer legal registration (BT-47). An instance whose organisations have no identifiers yet keeps
one default organisation that takes every buyer (``DEFAULT_ORGANISATION_ID``: a fixed id, so that
every process and the migration agree on it without a look-up race).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, new_id, utcnow

DEFAULT_ORGANISATION_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


# A buyer organisation (a municipality, a water board, ...) whose invoices the instance handles.
class Organisation(SQLModel, table=True):
    __tablename__ = "organisations"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=500)
    # the organisation an existing single-buyer installation migrated into
    is_default: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A staff user works for this organisation (a person may work for several and switches in the workspace).
class StaffMembership(SQLModel, table=True):
    __tablename__ = "staff_user_organisations"

    user_id: uuid.UUID = Field(foreign_key="staff_users.id", primary_key=True)
    organisation_id: uuid.UUID = Field(primary_key=True)


# An identifier of an organisation: 0190 OIN, 0106 KvK, 0088 GLN or another ICD/EAS scheme. The
# pair is its Peppol participant id (iso6523-actorid-upis::<scheme>:<value>); no two organisations
# share one.
class OrganisationIdentifier(SQLModel, table=True):
    __tablename__ = "organisation_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisations.id", index=True)
    scheme: str = Field(max_length=8)
    value: str = Field(max_length=200)  # normalised (compact, upper case)
