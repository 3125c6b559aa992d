"""Reason codes and the one ``Reason`` type (pure): what validation, duplicate detection and
matching say about an invoice, stored and served the same way (see DESIGN.md).

Each code carries a short explanation in Dutch and English. Detailed, per-check messages are built
by the module that raises the code (validation, matching) into a ``Reason``; the code's texts are
the fallback and the labels used in lists and dashboards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ReasonCode(StrEnum):
    # validation
    SCHEMA_INVALID = "SCHEMA_INVALID"
    RULE_VIOLATION = "RULE_VIOLATION"
    NOT_WELL_FORMED = "NOT_WELL_FORMED"
    UNSUPPORTED_DOCUMENT = "UNSUPPORTED_DOCUMENT"
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
    ENVELOPE_INVALID = "ENVELOPE_INVALID"  # the Peppol envelope (SBDH) around the document
    PROFILE_NOT_EN16931 = "PROFILE_NOT_EN16931"  # Factur-X / ZUGFeRD MINIMUM or BASIC WL
    BUYER_UNKNOWN = "BUYER_UNKNOWN"  # the buyer (BT-49, BT-47) is none of the instance's organisations
    # matching
    PO_REFERENCE_MISSING = "PO_REFERENCE_MISSING"
    PO_NOT_FOUND = "PO_NOT_FOUND"
    PO_CLOSED = "PO_CLOSED"
    SUPPLIER_MISMATCH = "SUPPLIER_MISMATCH"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    LINE_NOT_MATCHED = "LINE_NOT_MATCHED"
    LINE_AMBIGUOUS = "LINE_AMBIGUOUS"
    UNIT_MISMATCH = "UNIT_MISMATCH"
    PRICE_VARIANCE = "PRICE_VARIANCE"
    QUANTITY_EXCEEDS_ORDERED = "QUANTITY_EXCEEDS_ORDERED"
    QUANTITY_EXCEEDS_RECEIVED = "QUANTITY_EXCEEDS_RECEIVED"
    NOT_RECEIVED = "NOT_RECEIVED"
    VAT_MISMATCH = "VAT_MISMATCH"
    CHARGE_NOT_ON_PO = "CHARGE_NOT_ON_PO"
    TOTAL_VARIANCE = "TOTAL_VARIANCE"
    BANK_ACCOUNT_UNVERIFIED = "BANK_ACCOUNT_UNVERIFIED"
    SUPPLIER_UNKNOWN = "SUPPLIER_UNKNOWN"
    DUPLICATE_SUSPECTED = "DUPLICATE_SUSPECTED"
    CREDIT_NOTE_UNMATCHED = "CREDIT_NOTE_UNMATCHED"
    # lifecycle (not a failed check): a four-eyes rule wants a second, different approver
    SECOND_APPROVAL_REQUIRED = "SECOND_APPROVAL_REQUIRED"

    @property
    def message_en(self) -> str:
        return _MESSAGES[self][1]

    @property
    def message_nl(self) -> str:
        return _MESSAGES[self][0]

    def message(self, language: str = "nl") -> str:
        return self.message_nl if language == "nl" else self.message_en


# code -> (Dutch, English)
_MESSAGES: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.SCHEMA_INVALID: (
        "Het document voldoet niet aan het UBL 2.1-schema.",
        "The document does not conform to the UBL 2.1 schema.",
    ),
    ReasonCode.RULE_VIOLATION: (
        "Het document overtreedt een of meer bedrijfsregels.",
        "The document violates one or more business rules.",
    ),
    ReasonCode.NOT_WELL_FORMED: (
        "Het document is geen goed gevormde XML.",
        "The document is not well-formed XML.",
    ),
    ReasonCode.UNSUPPORTED_DOCUMENT: (
        "Dit documenttype of deze specificatie wordt niet ondersteund.",
        "This document type or specification is not supported.",
    ),
    ReasonCode.DUPLICATE_INVOICE: (
        "Deze leverancier heeft al een factuur met dit nummer ingediend.",
        "This supplier has already submitted an invoice with this number.",
    ),
    ReasonCode.ENVELOPE_INVALID: (
        "De Peppol-envelop (SBDH) om het document is onjuist: zie de mislukte controles.",
        "The Peppol envelope (SBDH) around the document is invalid: see the failed checks.",
    ),
    ReasonCode.PROFILE_NOT_EN16931: (
        "Het Factur-X/ZUGFeRD-profiel (MINIMUM of BASIC WL) bevat minder dan een EN 16931-factuur; "
        "stuur het profiel EN 16931 (COMFORT), EXTENDED of XRechnung.",
        "The Factur-X/ZUGFeRD profile (MINIMUM or BASIC WL) carries less than an EN 16931 invoice; "
        "send the EN 16931 (COMFORT), EXTENDED or XRechnung profile.",
    ),
    ReasonCode.BUYER_UNKNOWN: (
        "De koper (BT-49 elektronisch adres, BT-47 registratienummer) is geen organisatie die deze "
        "installatie bedient; stuur de factuur naar de juiste ontvanger.",
        "The buyer (BT-49 electronic address, BT-47 legal registration) is none of the organisations "
        "this instance serves; send the invoice to the right receiver.",
    ),
    ReasonCode.PO_REFERENCE_MISSING: (
        "De factuur verwijst niet naar een inkooporder (BT-13).",
        "The invoice does not reference a purchase order (BT-13).",
    ),
    ReasonCode.PO_NOT_FOUND: (
        "De inkooporder waarnaar de factuur verwijst is onbekend.",
        "The referenced purchase order is unknown.",
    ),
    ReasonCode.PO_CLOSED: (
        "De inkooporder is gesloten.",
        "The purchase order is closed.",
    ),
    ReasonCode.SUPPLIER_MISMATCH: (
        "De verkoper is niet de leverancier van de inkooporder.",
        "The seller is not the purchase order's supplier.",
    ),
    ReasonCode.CURRENCY_MISMATCH: (
        "De valuta wijkt af van die van de inkooporder.",
        "The currency differs from the purchase order's currency.",
    ),
    ReasonCode.LINE_NOT_MATCHED: (
        "Een factuurregel past bij geen enkele orderregel.",
        "An invoice line matches no purchase order line.",
    ),
    ReasonCode.LINE_AMBIGUOUS: (
        "Een factuurregel past bij meer dan een orderregel.",
        "An invoice line matches more than one purchase order line.",
    ),
    ReasonCode.UNIT_MISMATCH: (
        "De eenheid is niet om te rekenen naar die van de orderregel.",
        "The unit cannot be converted to the order line's unit.",
    ),
    ReasonCode.PRICE_VARIANCE: (
        "De prijs ligt boven de orderprijs plus tolerantie.",
        "The price exceeds the order price plus tolerance.",
    ),
    ReasonCode.QUANTITY_EXCEEDS_ORDERED: (
        "De gefactureerde hoeveelheid overschrijdt de bestelde hoeveelheid.",
        "The invoiced quantity exceeds the ordered quantity.",
    ),
    ReasonCode.QUANTITY_EXCEEDS_RECEIVED: (
        "De gefactureerde hoeveelheid overschrijdt de ontvangen hoeveelheid.",
        "The invoiced quantity exceeds the received quantity.",
    ),
    ReasonCode.NOT_RECEIVED: (
        "Er is nog niets ontvangen op deze orderregel.",
        "Nothing has been received on this order line yet.",
    ),
    ReasonCode.VAT_MISMATCH: (
        "Btw-categorie of -tarief wijkt af van de orderregel.",
        "VAT category or rate differs from the order line.",
    ),
    ReasonCode.CHARGE_NOT_ON_PO: (
        "Een toeslag (bijv. vracht) staat niet op de inkooporder.",
        "A charge (e.g. freight) is not on the purchase order.",
    ),
    ReasonCode.TOTAL_VARIANCE: (
        "Het totaal wijkt meer dan de tolerantie af van het verwachte totaal.",
        "The total differs from the expected total by more than the tolerance.",
    ),
    ReasonCode.BANK_ACCOUNT_UNVERIFIED: (
        "Het rekeningnummer (BT-84) is niet bekend bij deze leverancier.",
        "The payment account (BT-84) is not among the supplier's known accounts.",
    ),
    ReasonCode.SUPPLIER_UNKNOWN: (
        "De verkoper is geen bekende leverancier.",
        "The seller is not a known supplier.",
    ),
    ReasonCode.DUPLICATE_SUSPECTED: (
        "Mogelijk dubbel: zelfde verkoper, bedrag en datum onder een ander nummer.",
        "Suspected duplicate: same seller, amount and date under another number.",
    ),
    ReasonCode.CREDIT_NOTE_UNMATCHED: (
        "De creditnota kan niet aan een factuur worden gekoppeld.",
        "The credit note cannot be tied to an invoice.",
    ),
    ReasonCode.SECOND_APPROVAL_REQUIRED: (
        "Goedgekeurd door één persoon; het vier-ogenprincipe vraagt de goedkeuring van een tweede, andere persoon.",
        "Approved by one person; the four-eyes rule requires the approval of a second, different person.",
    ),
}

# Codes of the lifecycle, not of a check: never a rejection reason, never from matching.
LIFECYCLE_CODES = frozenset({ReasonCode.SECOND_APPROVAL_REQUIRED})

VALIDATION_CODES = frozenset(
    {
        ReasonCode.SCHEMA_INVALID,
        ReasonCode.RULE_VIOLATION,
        ReasonCode.NOT_WELL_FORMED,
        ReasonCode.UNSUPPORTED_DOCUMENT,
        ReasonCode.DUPLICATE_INVOICE,
        ReasonCode.ENVELOPE_INVALID,
        ReasonCode.PROFILE_NOT_EN16931,
        ReasonCode.BUYER_UNKNOWN,
    }
)


# Our reason codes -> Peppol Invoice Response status reason (OpenPEPPOL code list OPStatusReason).
CLARIFICATION: dict[ReasonCode, str] = {
    ReasonCode.PO_REFERENCE_MISSING: "REF",
    ReasonCode.PO_NOT_FOUND: "REF",
    ReasonCode.PO_CLOSED: "REF",
    ReasonCode.SUPPLIER_MISMATCH: "REF",
    ReasonCode.CREDIT_NOTE_UNMATCHED: "REF",
    ReasonCode.SUPPLIER_UNKNOWN: "UNR",
    ReasonCode.CURRENCY_MISMATCH: "FIN",
    ReasonCode.TOTAL_VARIANCE: "FIN",
    ReasonCode.LINE_NOT_MATCHED: "ITM",
    ReasonCode.LINE_AMBIGUOUS: "ITM",
    ReasonCode.UNIT_MISMATCH: "QTY",
    ReasonCode.QUANTITY_EXCEEDS_ORDERED: "QTY",
    ReasonCode.QUANTITY_EXCEEDS_RECEIVED: "DEL",
    ReasonCode.NOT_RECEIVED: "DEL",
    ReasonCode.PRICE_VARIANCE: "PRI",
    ReasonCode.CHARGE_NOT_ON_PO: "PRI",
    ReasonCode.VAT_MISMATCH: "LEG",
    ReasonCode.BANK_ACCOUNT_UNVERIFIED: "PAY",
    ReasonCode.DUPLICATE_SUSPECTED: "OTH",
    ReasonCode.DUPLICATE_INVOICE: "OTH",
    ReasonCode.SCHEMA_INVALID: "LEG",
    ReasonCode.RULE_VIOLATION: "LEG",
    ReasonCode.NOT_WELL_FORMED: "OTH",
    ReasonCode.UNSUPPORTED_DOCUMENT: "OTH",
    ReasonCode.ENVELOPE_INVALID: "OTH",
    ReasonCode.PROFILE_NOT_EN16931: "LEG",
    ReasonCode.SECOND_APPROVAL_REQUIRED: "OTH",
    ReasonCode.BUYER_UNKNOWN: "REC",  # OPStatusReason REC: receiver unknown
}

def in_english(reason: Reason | Mapping[str, Any]) -> str:
    """A reason as the Invoice Response states it: the code's English text (with the line it
    concerns). The Invoice Response goes to suppliers anywhere in the Peppol network, so it is always
    English (README, Invoice Responses), and short: the code's text, not the check's detail."""
    if isinstance(reason, Reason):
        reason = reason.to_stored()
    code = str(reason.get("code") or "")
    if code in ReasonCode.__members__:
        text = ReasonCode(code).message_en
        line = reason.get("line_id")
        return f"{text.rstrip('.')} (line {line})." if line else text
    return str(reason.get("message") or code)


def clarification_codes(reason_codes: Iterable[str]) -> list[str]:
    """OPStatusReason codes for the given reason codes, de-duplicated in order; ["OTH"] if none."""
    out: list[str] = []
    for code in reason_codes:
        try:
            mapped = CLARIFICATION.get(ReasonCode(code), "OTH")
        except ValueError:
            mapped = "OTH"
        if mapped not in out:
            out.append(mapped)
    return out or ["OTH"]


# --- the Reason type ---------------------------------------------------------------------------

# The structured fields DESIGN.md's reason object always has (null when they do not apply).
CORE_FIELDS = ("line_id", "expected", "actual")
# Keys a reason's structured fields may not use: they carry the code and the messages.
_RESERVED = frozenset({"code", "message", "message_en", "message_nl", "fields"})


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an invoice was rejected or flagged: a code, its message in English and in Dutch, and
    structured fields (every value a string, or None): ``line_id`` (BT-126), ``expected`` and
    ``actual`` (always there, None when they do not apply), and where they apply ``order_line_id``, ``check``, ``tolerance`` (amounts as
    Decimal-as-string), ``rule_id``, ``location``, ``first_invoice`` (DUPLICATE_INVOICE) and
    ``related_invoice_id`` (the invoice a suspected duplicate resembles).

    Validation, duplicate detection and matching build these; ``to_stored`` is the one form on
    ``invoices.reasons`` and ``to_api`` the one form the API serves.
    """

    code: ReasonCode
    message_en: str
    message_nl: str
    fields: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.code, ReasonCode):
            object.__setattr__(self, "code", ReasonCode(self.code))
        clash = _RESERVED.intersection(self.fields)
        if clash:
            raise ValueError(f"reason fields may not be named {', '.join(sorted(clash))}")
        frozen: dict[str, str | None] = dict.fromkeys(CORE_FIELDS)
        frozen.update({k: None if v is None else str(v) for k, v in self.fields.items()})
        object.__setattr__(self, "fields", MappingProxyType(frozen))

    @classmethod
    def of(cls, code: ReasonCode, *, en: str = "", nl: str = "", **fields: str | None) -> Reason:
        """A reason whose messages are the code's texts, each followed by its detail (if any)."""
        return cls(code, " ".join(filter(None, (code.message_en, en))), " ".join(filter(None, (code.message_nl, nl))),
                   fields)

    def message(self, language: str = "en") -> str:
        """The message in ``nl`` or (any other value) English."""
        return self.message_nl if language == "nl" else self.message_en

    def get(self, name: str) -> str | None:
        """A structured field (None when the reason has none of that name). The code and the messages
        are attributes, not fields: asking for them here is a mistake, so it raises."""
        if name in _RESERVED:
            raise KeyError(f"{name!r} is not a field of a Reason; read reason.{name if name != 'message' else 'message(language)'}")
        return self.fields.get(name)

    @property
    def line_id(self) -> str | None:
        return self.fields.get("line_id")

    def to_stored(self) -> dict[str, str | None]:
        """The form on ``invoices.reasons``: code, both messages, then the fields (flat, so that SQL
        reads ``code`` and ``rule_id`` directly); the core fields are always there."""
        out: dict[str, str | None] = {"code": self.code.value, "message_en": self.message_en,
                                      "message_nl": self.message_nl}
        out.update(self.fields)
        return out

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Reason:
        """Read a stored reason. A message a row lacks is the code's own text; a bare ``message`` (rows
        written by hand, or before migration 0025) is taken as the English one, as 0025 does."""
        code = ReasonCode(str(data["code"]))
        en = data.get("message_en") or data.get("message") or code.message_en
        nl = data.get("message_nl") or code.message_nl
        fields = {k: None if v is None else str(v) for k, v in data.items() if k not in _RESERVED}
        return cls(code, str(en), str(nl), fields)

    def to_api(self, language: str = "en") -> dict[str, str | None]:
        """The API's reason object: DESIGN.md's ``{code, line_id, expected, actual, message}`` with
        ``message`` in ``language`` (English unless asked), plus ``message_en``, ``message_nl`` and
        every other structured field."""
        out = self.to_stored()
        out["message"] = self.message(language)
        return out


def reasons_from_stored(rows: Iterable[Any] | None) -> list[Reason]:
    """The reasons of an ``invoices.reasons`` value (entries that are not objects are skipped)."""
    return [Reason.from_stored(r) for r in rows or () if isinstance(r, Mapping) and r.get("code")]


def distinct_codes(reasons: Iterable[Reason]) -> list[str]:
    """The reasons' codes, each once, in order of first appearance."""
    return list(dict.fromkeys(r.code.value for r in reasons))


def stored(reasons: Iterable[Reason]) -> list[dict[str, str | None]]:
    return [r.to_stored() for r in reasons]
