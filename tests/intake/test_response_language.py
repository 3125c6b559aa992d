"""The Invoice Response speaks one language, English, whatever language a reason was stored in."""

from __future__ import annotations

import uuid

from lxml import etree
from sqlmodel import Session

from service.models.invoices import Invoice
from service.reasons import Reason, ReasonCode, in_english
from tests.api.test_invoices import BASE, XML

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def test_a_reason_is_stated_by_its_codes_english_text() -> None:
    dutch = {"code": "PRICE_VARIANCE", "line_id": "2", "message": "Prijs wijkt af van de order: 9,50 i.p.v. 9,00."}
    assert in_english(dutch) == f"{ReasonCode.PRICE_VARIANCE.message_en.rstrip('.')} (line 2)."
    assert in_english({"code": "SUPPLIER_UNKNOWN", "message": "Leverancier onbekend."}) == (
        ReasonCode.SUPPLIER_UNKNOWN.message_en)
    assert in_english({"code": "SOMETHING_NEW", "message": "as stored"}) == "as stored"


def test_the_invoice_response_of_an_invoice_under_review_is_english(client, make_key, engine) -> None:
    headers = {**make_key("gateway"), **XML}
    created = client.post("/v1/invoices", content=BASE, headers=headers).json()
    assert created["status"] == "needs_review"
    with Session(engine) as s:  # a producer that stored its own, Dutch, wording
        invoice = s.get(Invoice, uuid.UUID(created["id"]))
        codes = [r.code.value for r in invoice.reasons]
        invoice.reasons = [Reason(r.code, "Dit is Nederlandse tekst.", "Dit is Nederlandse tekst.", r.fields)
                           for r in invoice.reasons]
        s.add(invoice)
        s.commit()
    r = client.get(f"/v1/invoices/{created['id']}/response", headers=headers)
    reason = etree.fromstring(r.content).findtext(f".//{{{CBC}}}StatusReason")
    assert "Nederlandse" not in reason
    assert all(ReasonCode(code).message_en.rstrip(".") in reason for code in codes)
