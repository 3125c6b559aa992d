"""JSON bodies of /v1/organisations (and the CLI, which builds the same body)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.masterdata.identifiers import IdentifierError, check
from service.organisations.directory import PEPPOL_SCHEME, split_participant

MAX_IDENTIFIERS = 50


class OrganisationIdentifierIn(BaseModel):
    """One identifier: ``{"scheme": "0190", "value": "00000001..."}`` (OIN 0190, KvK 0106, GLN 0088 are
    checked; any other four-digit ICD/EAS scheme is taken as given), or a Peppol participant id as
    ``{"scheme": "iso6523-actorid-upis", "value": "0190:00000001..."}``."""

    model_config = ConfigDict(extra="forbid")

    scheme: str = Field(max_length=32, examples=["0190"])
    value: str = Field(min_length=1, max_length=250, examples=["00000001001234560000"])

    @model_validator(mode="after")
    def _checked(self) -> OrganisationIdentifierIn:
        scheme, value = self.scheme.strip(), self.value.strip()
        if scheme.lower() == PEPPOL_SCHEME:
            parts = split_participant(value)
            if parts is None:
                raise ValueError("a Peppol participant id is '<four-digit scheme>:<value>', e.g. 0190:00000001...")
            scheme, value = parts
        if not (len(scheme) == 4 and scheme.isdigit()):
            raise ValueError(f"scheme must be a four-digit ICD/EAS code (0190 OIN, 0106 KvK, 0088 GLN) or "
                             f"{PEPPOL_SCHEME}, got {self.scheme!r}")
        try:
            value = check(scheme, value)
        except IdentifierError as exc:
            raise ValueError(f"{scheme}: {exc}") from None
        if len(value) > 200:
            raise ValueError("the identifier is longer than 200 characters")
        self.scheme, self.value = scheme, value
        return self


class OrganisationIn(BaseModel):
    """``POST /v1/organisations`` and ``PUT /v1/organisations/{id}``: the whole organisation."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500, examples=["Gemeente Voorbeeld"])
    identifiers: list[OrganisationIdentifierIn] = Field(
        default_factory=list, max_length=MAX_IDENTIFIERS,
        description="Identifiers invoices name the buyer by: BT-49 electronic address or BT-47 legal "
                    "registration. Each is also a Peppol participant id the envelope receiver may name.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the name is empty")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> OrganisationIn:
        seen: set[tuple[str, str]] = set()
        unique = []
        for ident in self.identifiers:
            if (ident.scheme, ident.value) not in seen:
                seen.add((ident.scheme, ident.value))
                unique.append(ident)
        self.identifiers = unique
        return self


class OrganisationIdentifierOut(BaseModel):
    scheme: str = Field(examples=["0190"])
    value: str = Field(examples=["00000001001234560000"])
    participant_id: str = Field(description="The Peppol participant id",
                                examples=["iso6523-actorid-upis::0190:00000001001234560000"])


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    default: bool = Field(description="The organisation an existing single-buyer installation migrated into.")
    takes_every_buyer: bool = Field(
        description="True while no organisation has identifiers: this (default) organisation then receives "
                    "every invoice, whatever its buyer.")
    identifiers: list[OrganisationIdentifierOut]
    created_at: datetime
    updated_at: datetime


class OrganisationList(BaseModel):
    data: list[OrganisationOut]
    next_cursor: str | None = Field(None, description="Always null: the organisations of an instance fit one page.")
