"""Which organisation an invoice's buyer is: a pure look-up over a snapshot of the organisations.

No FastAPI, no session: ``load_directory`` (store.py) reads the snapshot, intake asks it. The rule
(DESIGN.md, "Organisations"): the organisation whose identifier equals the buyer electronic
address BT-49, else the buyer legal registration BT-47. While no organisation has an identifier (a
fresh or just-migrated instance) the default organisation takes every buyer, so a one-buyer
installation works as before without any set-up.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from service.masterdata.identifiers import normalise

PEPPOL_SCHEME = "iso6523-actorid-upis"  # the Peppol participant identifier scheme
_ICD = re.compile(r"\d{4}")


def identifier_key(scheme: str | None, value: str | None) -> str:
    """``<scheme>:<value>`` in look-up form (separators gone, upper case): the Peppol participant id
    without its ``iso6523-actorid-upis::`` prefix."""
    return f"{(scheme or '').strip().upper()}:{normalise(value or '')}"


def split_participant(text: str) -> tuple[str, str] | None:
    """``iso6523-actorid-upis::0190:0000...`` or ``0190:0000...`` -> ("0190", "0000..."); None if it
    is not a participant id with a four-digit scheme."""
    text = text.strip()
    if text.lower().startswith(PEPPOL_SCHEME + "::"):
        text = text[len(PEPPOL_SCHEME) + 2:]
    scheme, sep, value = text.partition(":")
    if not sep or not _ICD.fullmatch(scheme) or not value.strip():
        return None
    return scheme, value.strip()


@dataclass(frozen=True)
class Directory:
    """The instance's organisations as far as buyer look-ups need them."""

    by_key: dict[str, uuid.UUID] = field(default_factory=dict)  # identifier_key -> organisation
    by_value: dict[str, frozenset[uuid.UUID]] = field(default_factory=dict)  # value -> organisations
    default_id: uuid.UUID | None = None

    @property
    def configured(self) -> bool:
        """Whether organisations are set up (some organisation has an identifier)."""
        return bool(self.by_key)

    def participants(self) -> set[str] | None:
        """Every organisation's participant id (``scheme:value``); None while there are none."""
        return set(self.by_key) if self.by_key else None


@dataclass(frozen=True)
class BuyerMatch:
    organisation_id: uuid.UUID | None  # None: BUYER_UNKNOWN
    matched_on: str | None = None  # "BT-49", "BT-47" or "default"
    buyer: str | None = None  # what the document says, for the reason's message


def buyer_organisation(directory: Directory, electronic_address: tuple[str | None, str] | None,
                       legal_registration: tuple[str | None, str] | None) -> BuyerMatch:
    """The organisation of a buyer with BT-49 ``electronic_address`` and BT-47 ``legal_registration``
    (each ``(scheme, value)`` or None)."""
    if not directory.configured:
        return BuyerMatch(directory.default_id, "default")
    if electronic_address is not None:
        found = directory.by_key.get(identifier_key(*electronic_address))
        if found is not None:
            return BuyerMatch(found, "BT-49")
    if legal_registration is not None:
        scheme, value = legal_registration
        if scheme:
            found = directory.by_key.get(identifier_key(scheme, value))
        else:
            # BT-47 often comes without a scheme: a value that is one organisation's only is enough
            owners = directory.by_value.get(normalise(value), frozenset())
            found = next(iter(owners)) if len(owners) == 1 else None
        if found is not None:
            return BuyerMatch(found, "BT-47")
    said = [f"BT-49 {identifier_key(*electronic_address)}" if electronic_address else None,
            f"BT-47 {identifier_key(*legal_registration)}" if legal_registration else None]
    return BuyerMatch(None, None, ", ".join(s for s in said if s) or "no BT-49 / BT-47")
