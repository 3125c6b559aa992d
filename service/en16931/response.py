"""Peppol BIS Invoice Response 3.0 (UBL 2.1 ApplicationResponse, transaction T111). Pure: lxml only.

``build_invoice_response`` writes the response for one invoice state: AB (received), RE (rejected, with
OPStatusReason / OPStatusAction clarification codes), UQ (under query: review or hold), AP (approved,
booked), PD (paid). The sender is the buyer (BG-7), the receiver the seller (BG-4), and the document
reference is the invoice's BT-1 / BT-2 / BT-3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from lxml import etree

from service.en16931.model import Identifier

__all__ = [
    "CUSTOMIZATION_ID",
    "PROFILE_ID",
    "Clarification",
    "ResponseParty",
    "build_invoice_response",
    "response_code_for",
]

CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
APPLICATION_RESPONSE_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_NSMAP = {None: APPLICATION_RESPONSE_NS, "cac": CAC, "cbc": CBC}

# Invoice status -> UNCL 4343 subset of T111.
_CODES = {
    "received": "AB",
    "rejected": "RE",
    "needs_review": "UQ",
    "on_hold": "UQ",
    "awaiting_approval": "UQ",
    "approved": "AP",
    "booked": "AP",
    "paid": "PD",
}
# OPStatusReason / OPStatusAction code lists (PEPPOL-T111-R006/R007).
STATUS_REASONS = frozenset(["NON", "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "PPD", "UNR", "FIN", "OTH"])
STATUS_ACTIONS = frozenset(["NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"])


def response_code_for(status: str) -> str:
    """The T111 response code of an invoice status (``received`` -> AB, ...)."""
    return _CODES[status]


@dataclass(frozen=True)
class ResponseParty:
    endpoint: Identifier | None = None  # BT-34 / BT-49 electronic address
    identifier: Identifier | None = None
    name: str | None = None


@dataclass(frozen=True)
class Clarification:
    """One cac:Status: a clarification code (OPStatusReason or OPStatusAction) and its reason text."""

    code: str
    list_id: str = "OPStatusReason"
    reason: str | None = None
    conditions: tuple[tuple[str, str], ...] = field(default=())  # (AttributeID e.g. BT-48, Description)


def _cbc(parent: etree._Element, name: str, text: str | None, **attrs: str) -> etree._Element | None:
    if text is None:
        return None
    el = etree.SubElement(parent, f"{{{CBC}}}{name}", {k: v for k, v in attrs.items() if v})
    el.text = text
    return el


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _party(parent: etree._Element, tag: str, party: ResponseParty) -> None:
    el = _cac(parent, tag)
    if party.endpoint is not None:
        _cbc(el, "EndpointID", party.endpoint.value, schemeID=party.endpoint.scheme or "")
    if party.identifier is not None:
        _cbc(_cac(el, "PartyIdentification"), "ID", party.identifier.value, schemeID=party.identifier.scheme or "")
    _cbc(_cac(el, "PartyLegalEntity"), "RegistrationName", party.name or "Unknown")


def build_invoice_response(
    *,
    response_id: str,
    issue_date: date,
    issue_time: time | None,
    response_code: str,
    sender: ResponseParty,
    receiver: ResponseParty,
    document_id: str,
    document_issue_date: date | None,
    document_type_code: str | None,
    effective_date: date | None = None,
    clarifications: tuple[Clarification, ...] = (),
    note: str | None = None,
) -> bytes:
    """Serialise one Invoice Response as UTF-8 XML bytes (UBL 2.1 ApplicationResponse)."""
    if response_code in ("RE", "UQ", "CA") and not clarifications:
        clarifications = (Clarification("OTH", reason="See the invoice's reasons."),)
    root = etree.Element(f"{{{APPLICATION_RESPONSE_NS}}}ApplicationResponse", nsmap=_NSMAP)
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", response_id)
    _cbc(root, "IssueDate", issue_date.isoformat())
    if issue_time is not None:
        _cbc(root, "IssueTime", issue_time.replace(microsecond=0, tzinfo=None).isoformat())
    if note:
        _cbc(root, "Note", note)
    _party(root, "SenderParty", sender)
    _party(root, "ReceiverParty", receiver)

    doc_response = _cac(root, "DocumentResponse")
    response = _cac(doc_response, "Response")
    _cbc(response, "ResponseCode", response_code)
    if effective_date is not None:
        _cbc(response, "EffectiveDate", effective_date.isoformat())
    for c in clarifications:
        status = _cac(response, "Status")
        _cbc(status, "StatusReasonCode", c.code, listID=c.list_id)
        if c.reason:
            _cbc(status, "StatusReason", c.reason)
        for attribute, description in c.conditions:
            condition = _cac(status, "Condition")
            _cbc(condition, "AttributeID", attribute)
            _cbc(condition, "Description", description)
    reference = _cac(doc_response, "DocumentReference")
    _cbc(reference, "ID", document_id)
    if document_issue_date is not None:
        _cbc(reference, "IssueDate", document_issue_date.isoformat())
    if document_type_code:
        _cbc(reference, "DocumentTypeCode", document_type_code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
