"""UBL 2.1 Invoice / CreditNote -> ``InvoiceDocument`` (the EN 16931 model). Pure: lxml only.

A UN/CEFACT CII CrossIndustryInvoice is handed to ``cii.py`` (the other EN 16931 syntax): callers
use ``parse_document`` / ``parse_header`` for both.

``parse_document`` takes bytes (parsed with the validation area's secure parser: no DTD, no entities,
no network) or an already-parsed lxml tree/element, and maps the UBL syntax binding of EN 16931
(CEN/TS 16931-3-2) onto the model. It expects a document that passed validation; a missing mandatory
term or an unreadable amount/date raises ``DocumentError`` naming the business term.

``parse_header`` is the lenient sibling for documents that failed validation: it never raises and
returns what it can find (BT-1, BT-2, BT-3, BT-5, BT-13, seller identifiers) so a rejected submission
can still be stored and listed meaningfully.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from contextlib import contextmanager
from contextvars import ContextVar
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from lxml import etree

from service.en16931.cii import CII_ROOT, cii_header_fields, parse_cii_document
from service.en16931.values import DocumentError, decimal_of, identifier_of, identifiers_of, required
from service.en16931.model import (
    Address,
    AllowanceCharge,
    Attachment,
    CardPayment,
    Contact,
    Delivery,
    DirectDebit,
    DocumentType,
    FinancialAccount,
    Identifier,
    InvoiceDocument,
    InvoiceLine,
    InvoicePeriod,
    Item,
    ItemAttribute,
    Party,
    PaymentMeans,
    PrecedingInvoice,
    Price,
    Totals,
    VatBreakdown,
)

__all__ = ["DocumentError", "Header", "parse_document", "parse_header", "INVOICE_NS", "CREDIT_NOTE_NS"]

_T = TypeVar("_T")

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cbc": CBC, "cac": CAC}

_ROOTS = {
    f"{{{INVOICE_NS}}}Invoice": DocumentType.invoice,
    f"{{{CREDIT_NOTE_NS}}}CreditNote": DocumentType.credit_note,
}

# Document type code of an AdditionalDocumentReference that carries BT-18 instead of a BG-24 document.
_INVOICED_OBJECT = "130"


# -- small helpers -----------------------------------------------------------------------------------
# Every path here is a chain of child steps ("cac:Party/cbc:Name"), and almost every step asks for the
# first child of a name (a party is asked about twenty times). One pass over the tree before the
# mapping records each element's first child of each tag; a step answers from that record, and only
# a repeated group (``_iter``) or a first candidate without the rest of the path walks the children
# again (lxml's iterchildren matches names in C). The record lives for one parse (``_parsing``),
# keyed by the element proxies it keeps alive (lxml hands out the same proxy for a node while one
# exists). One dict per parent and no list per child: the parser's allocations also set off the
# garbage collector (the index of the previous version cost as much again in collections).
_PREFIXES = {"cbc:": f"{{{CBC}}}", "cac:": f"{{{CAC}}}"}
_Index = dict[etree._Element, dict[str, etree._Element]]
_first_children: ContextVar[_Index] = ContextVar("parser_first_children")


def _first_children_of(root: etree._Element) -> _Index:
    index: _Index = {}
    for el in root.iterdescendants(etree.Element):
        parent = el.getparent()
        first = index.get(parent)
        if first is None:
            index[parent] = {el.tag: el}
        else:
            first.setdefault(el.tag, el)
    return index


@contextmanager
def _parsing(root: etree._Element) -> Iterator[None]:
    token = _first_children.set(_first_children_of(root))
    try:
        yield
    finally:
        _first_children.reset(token)


_STEPS: dict[str, tuple[str, ...]] = {}  # bounded: the paths are this module's literals


def _steps(path: str) -> tuple[str, ...]:
    """The Clark names of ``path``'s steps; callers read ``_STEPS`` first (a dict read costs a fifth
    of a call)."""
    steps = _STEPS[path] = tuple(_PREFIXES[step[:4]] + step[4:] for step in path.split("/"))
    return steps


def _iter(el: etree._Element, path: str) -> Iterator[etree._Element]:
    """The elements at ``path`` below ``el``, in document order (as ``iterfind``)."""
    steps = _STEPS.get(path) or _steps(path)
    first = _first_children.get().get(el)
    if first is None or steps[0] not in first:  # most repeated groups are absent
        return iter(())
    return _descend(el, steps, 0)


def _descend(el: etree._Element, steps: tuple[str, ...], at: int) -> Iterator[etree._Element]:
    for child in el.iterchildren(steps[at]):
        if at == len(steps) - 1:
            yield child
        else:
            yield from _descend(child, steps, at + 1)


def _first(el: etree._Element, steps: tuple[str, ...], at: int) -> etree._Element | None:
    """The first element in document order at ``steps[at:]`` below ``el`` (as ``find``)."""
    first = _first_children.get().get(el)
    child = first.get(steps[at]) if first is not None else None
    if child is None or at == len(steps) - 1:
        return child
    return _deeper(el, child, steps, at)


def _deeper(el: etree._Element, child: etree._Element, steps: tuple[str, ...], at: int) -> etree._Element | None:
    """The first element at ``steps[at + 1:]`` below the children of ``el`` named ``steps[at]``, of
    which ``child`` is the first."""
    found = _first(child, steps, at + 1)
    if found is None:  # rare: a later sibling of the same name holds the rest of the path
        for other in el.iterchildren(steps[at]):
            if other is not child:
                found = _first(other, steps, at + 1)
                if found is not None:
                    break
    return found


def _find(el: etree._Element, path: str) -> etree._Element | None:
    """The first element at ``path`` below ``el`` (as ``find``), or None."""
    steps = _STEPS.get(path) or _steps(path)
    first = _first_children.get().get(el)
    child = first.get(steps[0]) if first is not None else None
    if child is None or len(steps) == 1:
        return child
    return _deeper(el, child, steps, 0)


def _text(el: etree._Element | None, path: str) -> str | None:
    """The text of the first element at ``path`` below ``el`` without surrounding white space; None
    for no element or no text. (``_find`` written out: this runs about 110 times per invoice.)"""
    if el is None:
        return None
    steps = _STEPS.get(path) or _steps(path)
    first = _first_children.get().get(el)
    found = first.get(steps[0]) if first is not None else None
    if found is not None and len(steps) > 1:
        found = _deeper(el, found, steps, 0)
    if found is None:
        return None
    text = found.text
    return (text.strip() or None) if text is not None else None


def _texts(el: etree._Element, path: str) -> list[str]:
    return [t.text.strip() for t in _iter(el, path) if t.text and t.text.strip()]


def _req(el: etree._Element, path: str, term: str) -> str:
    value = _text(el, path)
    return value if value is not None else required(value, path, term)


def _req_dec(el: etree._Element, path: str, term: str) -> Decimal:
    return decimal_of(_req(el, path, term), term)  # type: ignore[return-value]


def _opt_dec(el: etree._Element | None, path: str, term: str) -> Decimal | None:
    value = _text(el, path)
    return None if value is None else decimal_of(value, term)


def _date(value: str | None, term: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise DocumentError(f"{term} is not a date (YYYY-MM-DD): {value!r}", term) from None


def _ident(el: etree._Element | None, path: str, attr: str = "schemeID") -> Identifier | None:
    return None if el is None else identifier_of(_find(el, path), attr)


def _idents(el: etree._Element, path: str, attr: str = "schemeID") -> tuple[Identifier, ...]:
    return identifiers_of(_iter(el, path), attr)


# -- aggregates ----------------------------------------------------------------------------------------
def _address(el: etree._Element | None) -> Address | None:
    if el is None:
        return None
    address = Address(
        street=_text(el, "cbc:StreetName"),
        additional_street=_text(el, "cbc:AdditionalStreetName"),
        address_line_3=_text(el, "cac:AddressLine/cbc:Line"),
        city=_text(el, "cbc:CityName"),
        postal_zone=_text(el, "cbc:PostalZone"),
        subdivision=_text(el, "cbc:CountrySubentity"),
        country=_text(el, "cac:Country/cbc:IdentificationCode"),
    )
    return address


def _contact(el: etree._Element | None) -> Contact | None:
    if el is None:
        return None
    return Contact(
        name=_text(el, "cbc:Name"),
        telephone=_text(el, "cbc:Telephone"),
        email=_text(el, "cbc:ElectronicMail"),
    )


def _party(el: etree._Element | None) -> Party | None:
    if el is None:
        return None
    vat_id = None
    tax_registration_id = None
    for pts in _iter(el, "cac:PartyTaxScheme"):
        company_id = _text(pts, "cbc:CompanyID")
        if company_id is None:
            continue
        if (_text(pts, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            vat_id = vat_id or company_id
        else:
            tax_registration_id = tax_registration_id or company_id
    legal = _find(el, "cac:PartyLegalEntity")
    return Party(
        name=_text(legal, "cbc:RegistrationName"),
        trading_name=_text(el, "cac:PartyName/cbc:Name"),
        identifiers=_idents(el, "cac:PartyIdentification/cbc:ID"),
        legal_registration=_ident(legal, "cbc:CompanyID"),
        vat_id=vat_id,
        tax_registration_id=tax_registration_id,
        legal_form=_text(legal, "cbc:CompanyLegalForm"),
        electronic_address=_ident(el, "cbc:EndpointID"),
        address=_address(_find(el, "cac:PostalAddress")),
        contact=_contact(_find(el, "cac:Contact")),
    )


def _period(el: etree._Element | None, start: str, end: str) -> InvoicePeriod | None:
    if el is None:
        return None
    return InvoicePeriod(
        start_date=_date(_text(el, "cbc:StartDate"), start),
        end_date=_date(_text(el, "cbc:EndDate"), end),
        description_code=_text(el, "cbc:DescriptionCode"),
    )


def _allowance_charge(el: etree._Element, terms: tuple[str, str, str]) -> AllowanceCharge:
    amount_t, base_t, pct_t = terms
    indicator = _req(el, "cbc:ChargeIndicator", "ChargeIndicator").lower()
    if indicator not in ("true", "false", "1", "0"):
        raise DocumentError(f"ChargeIndicator is not a boolean: {indicator!r}", "ChargeIndicator")
    return AllowanceCharge(
        charge=indicator in ("true", "1"),
        amount=_req_dec(el, "cbc:Amount", amount_t),
        base_amount=_opt_dec(el, "cbc:BaseAmount", base_t),
        percentage=_opt_dec(el, "cbc:MultiplierFactorNumeric", pct_t),
        vat_category=_text(el, "cac:TaxCategory/cbc:ID"),
        vat_rate=_opt_dec(el, "cac:TaxCategory/cbc:Percent", "BT-96/BT-103"),
        reason=_text(el, "cbc:AllowanceChargeReason"),
        reason_code=_text(el, "cbc:AllowanceChargeReasonCode"),
    )


def _payment_means(el: etree._Element) -> PaymentMeans:
    code_el = _find(el, "cbc:PaymentMeansCode")
    code = (code_el.text or "").strip() if code_el is not None else ""
    if not code:
        raise DocumentError("BT-81 Payment means type code is missing", "BT-81")
    card_el = _find(el, "cac:CardAccount")
    card = None
    if card_el is not None:
        card = CardPayment(
            primary_account_number=_req(card_el, "cbc:PrimaryAccountNumberID", "BT-87"),
            holder_name=_text(card_el, "cbc:HolderName"),
            network=_text(card_el, "cbc:NetworkID"),
        )
    mandate_el = _find(el, "cac:PaymentMandate")
    direct_debit = None
    if mandate_el is not None:
        direct_debit = DirectDebit(
            mandate_reference=_text(mandate_el, "cbc:ID"),
            debited_account=_text(mandate_el, "cac:PayerFinancialAccount/cbc:ID"),
        )
    accounts = tuple(
        FinancialAccount(
            id=_req(acc, "cbc:ID", "BT-84"),
            name=_text(acc, "cbc:Name"),
            service_provider=_text(acc, "cac:FinancialInstitutionBranch/cbc:ID"),
        )
        for acc in _iter(el, "cac:PayeeFinancialAccount")
    )
    name = code_el.get("name") if code_el is not None else None
    return PaymentMeans(
        code=code,
        text=name.strip() if name and name.strip() else None,
        remittance_information=_text(el, "cbc:PaymentID"),
        accounts=accounts,
        card=card,
        direct_debit=direct_debit,
    )


def _attachment(el: etree._Element) -> Attachment:
    binary = _find(el, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    content = None
    mime_code = filename = sha = None
    size = None
    if binary is not None:
        mime_code = binary.get("mimeCode")
        filename = binary.get("filename")
        raw = "".join((binary.text or "").split())
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise DocumentError("BT-125 Attached document is not valid base64", "BT-125") from None
        size = len(content)
        sha = hashlib.sha256(content).hexdigest()
    return Attachment(
        id=_req(el, "cbc:ID", "BT-122"),
        description=_text(el, "cbc:DocumentDescription"),
        external_uri=_text(el, "cac:Attachment/cac:ExternalReference/cbc:URI"),
        mime_code=mime_code,
        filename=filename,
        size=size,
        sha256=sha,
        content=content,
    )


_LINE_AC_TERMS = ("BT-136/BT-141", "BT-137/BT-142", "BT-138/BT-143")
_DOC_AC_TERMS = ("BT-92/BT-99", "BT-93/BT-100", "BT-94/BT-101")


def _line(el: etree._Element, kind: DocumentType) -> InvoiceLine:
    qty_tag = "cbc:InvoicedQuantity" if kind is DocumentType.invoice else "cbc:CreditedQuantity"
    qty_el = _find(el, qty_tag)
    if qty_el is None or not (qty_el.text or "").strip():
        raise DocumentError(f"BT-129 Invoiced quantity is missing ({qty_tag})", "BT-129")
    price_el = _find(el, "cac:Price")
    if price_el is None:
        raise DocumentError("BG-29 Price details are missing", "BG-29")
    item_el = _find(el, "cac:Item")
    if item_el is None:
        raise DocumentError("BG-31 Item information is missing", "BG-31")
    base_el = _find(price_el, "cbc:BaseQuantity")
    price_ac = _find(price_el, "cac:AllowanceCharge")
    object_id = None
    for ref in _iter(el, "cac:DocumentReference"):
        # BT-128 is the only line-level document reference EN 16931 defines (type code 130; older
        # documents omit the code)
        if _text(ref, "cbc:DocumentTypeCode") in (_INVOICED_OBJECT, None):
            object_id = _ident(ref, "cbc:ID")
            break
    item = Item(
        name=_req(item_el, "cbc:Name", "BT-153"),
        description=_text(item_el, "cbc:Description"),
        seller_item_id=_text(item_el, "cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=_text(item_el, "cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_ident(item_el, "cac:StandardItemIdentification/cbc:ID"),
        classifications=_idents(item_el, "cac:CommodityClassification/cbc:ItemClassificationCode", "listID"),
        origin_country=_text(item_el, "cac:OriginCountry/cbc:IdentificationCode"),
        attributes=tuple(
            ItemAttribute(name=_req(p, "cbc:Name", "BT-160"), value=_req(p, "cbc:Value", "BT-161"))
            for p in _iter(item_el, "cac:AdditionalItemProperty")
        ),
    )
    return InvoiceLine(
        id=_req(el, "cbc:ID", "BT-126"),
        note=_text(el, "cbc:Note"),
        object_identifier=object_id,
        quantity=decimal_of(qty_el.text.strip(), "BT-129"),
        unit_code=qty_el.get("unitCode"),
        net_amount=_req_dec(el, "cbc:LineExtensionAmount", "BT-131"),
        order_line_reference=_text(el, "cac:OrderLineReference/cbc:LineID"),
        accounting_cost=_text(el, "cbc:AccountingCost"),
        period=_period(_find(el, "cac:InvoicePeriod"), "BT-134", "BT-135"),
        allowances_charges=tuple(
            _allowance_charge(ac, _LINE_AC_TERMS) for ac in _iter(el, "cac:AllowanceCharge")
        ),
        price=Price(
            net_price=_req_dec(price_el, "cbc:PriceAmount", "BT-146"),
            discount=_opt_dec(price_ac, "cbc:Amount", "BT-147"),
            gross_price=_opt_dec(price_ac, "cbc:BaseAmount", "BT-148"),
            base_quantity=decimal_of(base_el.text.strip(), "BT-149") if base_el is not None and base_el.text and base_el.text.strip() else None,
            base_quantity_unit=base_el.get("unitCode") if base_el is not None else None,
        ),
        vat_category=_text(item_el, "cac:ClassifiedTaxCategory/cbc:ID"),
        vat_rate=_opt_dec(item_el, "cac:ClassifiedTaxCategory/cbc:Percent", "BT-152"),
        item=item,
    )


def _root(source: bytes | etree._ElementTree | etree._Element) -> etree._Element:
    if isinstance(source, (bytes, bytearray, memoryview)):
        from service.validation.xmlsafe import parse_bytes

        return parse_bytes(bytes(source)).getroot()
    if isinstance(source, etree._ElementTree):
        return source.getroot()
    return source


# -- public --------------------------------------------------------------------------------------------
def parse_document(source: bytes | etree._ElementTree | etree._Element) -> InvoiceDocument:
    """Map a UBL 2.1 Invoice or CreditNote onto the EN 16931 model.

    ``source`` is the raw bytes (parsed securely) or an lxml tree/element already parsed by the
    caller (intake passes the validation engine's tree to avoid parsing twice). Raises
    ``DocumentError`` for another root element or a missing/unreadable mandatory term, and
    ``service.validation.xmlsafe.XmlSyntaxError`` for bytes that are not (safe) XML.
    """
    root = _root(source)
    if root.tag == CII_ROOT:
        return parse_cii_document(root)
    with _parsing(root):
        return _parse_document(root)


def _parse_document(root: etree._Element) -> InvoiceDocument:
    kind = _ROOTS.get(root.tag)
    if kind is None:
        raise DocumentError(f"not a UBL Invoice or CreditNote: {root.tag}")
    type_tag = "cbc:InvoiceTypeCode" if kind is DocumentType.invoice else "cbc:CreditNoteTypeCode"
    line_tag = "cac:InvoiceLine" if kind is DocumentType.invoice else "cac:CreditNoteLine"
    currency = _req(root, "cbc:DocumentCurrencyCode", "BT-5")
    tax_currency = _text(root, "cbc:TaxCurrencyCode")

    tax_amount = tax_amount_acc = None
    breakdown: list[VatBreakdown] = []
    for total in _iter(root, "cac:TaxTotal"):
        amount_el = _find(total, "cbc:TaxAmount")
        if amount_el is None:
            continue
        amount = decimal_of((amount_el.text or "").strip() or None, "BT-110")
        if tax_currency and amount_el.get("currencyID") == tax_currency and tax_currency != currency:
            tax_amount_acc = amount
        else:
            tax_amount = amount
        for sub in _iter(total, "cac:TaxSubtotal"):
            breakdown.append(
                VatBreakdown(
                    taxable_amount=_req_dec(sub, "cbc:TaxableAmount", "BT-116"),
                    tax_amount=_req_dec(sub, "cbc:TaxAmount", "BT-117"),
                    category=_req(sub, "cac:TaxCategory/cbc:ID", "BT-118"),
                    rate=_opt_dec(sub, "cac:TaxCategory/cbc:Percent", "BT-119"),
                    exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
                    exemption_reason_code=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                )
            )

    lmt = _find(root, "cac:LegalMonetaryTotal")
    if lmt is None:
        raise DocumentError("BG-22 Document totals are missing", "BG-22")
    totals = Totals(
        line_extension_amount=_req_dec(lmt, "cbc:LineExtensionAmount", "BT-106"),
        allowance_total_amount=_opt_dec(lmt, "cbc:AllowanceTotalAmount", "BT-107"),
        charge_total_amount=_opt_dec(lmt, "cbc:ChargeTotalAmount", "BT-108"),
        tax_exclusive_amount=_req_dec(lmt, "cbc:TaxExclusiveAmount", "BT-109"),
        tax_amount=tax_amount,
        tax_amount_accounting_currency=tax_amount_acc,
        tax_inclusive_amount=_req_dec(lmt, "cbc:TaxInclusiveAmount", "BT-112"),
        prepaid_amount=_opt_dec(lmt, "cbc:PrepaidAmount", "BT-113"),
        rounding_amount=_opt_dec(lmt, "cbc:PayableRoundingAmount", "BT-114"),
        payable_amount=_req_dec(lmt, "cbc:PayableAmount", "BT-115"),
    )

    invoiced_object = None
    attachments = []
    for ref in _iter(root, "cac:AdditionalDocumentReference"):
        if _text(ref, "cbc:DocumentTypeCode") == _INVOICED_OBJECT:
            invoiced_object = invoiced_object or _ident(ref, "cbc:ID")
        else:
            attachments.append(_attachment(ref))

    seller = _party(_find(root, "cac:AccountingSupplierParty/cac:Party"))
    if seller is None:
        raise DocumentError("BG-4 Seller is missing", "BG-4")
    buyer = _party(_find(root, "cac:AccountingCustomerParty/cac:Party"))
    if buyer is None:
        raise DocumentError("BG-7 Buyer is missing", "BG-7")

    delivery_el = _find(root, "cac:Delivery")
    delivery = None
    if delivery_el is not None:
        location = _find(delivery_el, "cac:DeliveryLocation")
        delivery = Delivery(
            party_name=_text(delivery_el, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
            location_id=_ident(location, "cbc:ID"),
            actual_date=_date(_text(delivery_el, "cbc:ActualDeliveryDate"), "BT-72"),
            address=_address(_find(location, "cac:Address") if location is not None else None),
        )

    payment_means = tuple(_payment_means(pm) for pm in _iter(root, "cac:PaymentMeans"))
    due = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    payment_terms = _texts(root, "cac:PaymentTerms/cbc:Note")

    return InvoiceDocument(
        document_type=kind,
        customization_id=_text(root, "cbc:CustomizationID"),
        profile_id=_text(root, "cbc:ProfileID"),
        number=_req(root, "cbc:ID", "BT-1"),
        issue_date=_date(_req(root, "cbc:IssueDate", "BT-2"), "BT-2"),
        type_code=_req(root, type_tag, "BT-3"),
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=_date(_text(root, "cbc:TaxPointDate"), "BT-7"),
        due_date=_date(due, "BT-9"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        project_reference=_text(root, "cac:ProjectReference/cbc:ID"),
        contract_reference=_text(root, "cac:ContractDocumentReference/cbc:ID"),
        purchase_order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        sales_order_reference=_text(root, "cac:OrderReference/cbc:SalesOrderID"),
        receiving_advice_reference=_text(root, "cac:ReceiptDocumentReference/cbc:ID"),
        despatch_advice_reference=_text(root, "cac:DespatchDocumentReference/cbc:ID"),
        tender_reference=_text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        invoiced_object_identifier=invoiced_object,
        buyer_accounting_reference=_text(root, "cbc:AccountingCost"),
        payment_terms="\n".join(payment_terms) if payment_terms else None,
        notes=tuple(_texts(root, "cbc:Note")),
        preceding_invoices=tuple(
            PrecedingInvoice(
                number=_req(ref, "cbc:ID", "BT-25"),
                issue_date=_date(_text(ref, "cbc:IssueDate"), "BT-26"),
            )
            for ref in _iter(root, "cac:BillingReference/cac:InvoiceDocumentReference")
        ),
        seller=seller,
        buyer=buyer,
        payee=_payee(_find(root, "cac:PayeeParty")),
        tax_representative=_tax_representative(_find(root, "cac:TaxRepresentativeParty")),
        delivery=delivery,
        invoice_period=_period(_find(root, "cac:InvoicePeriod"), "BT-73", "BT-74"),
        payment_means=payment_means,
        allowances_charges=tuple(
            _allowance_charge(ac, _DOC_AC_TERMS) for ac in _iter(root, "cac:AllowanceCharge")
        ),
        vat_breakdown=tuple(breakdown),
        totals=totals,
        attachments=tuple(attachments),
        lines=tuple(_line(el, kind) for el in _iter(root, line_tag)),
    )


def _tax_representative(el: etree._Element | None) -> Party | None:
    """BG-11: BT-62 name is cac:PartyName/cbc:Name here (no legal entity)."""
    party = _party(el)
    if party is None:
        return None
    return party.model_copy(update={"name": party.name or party.trading_name, "trading_name": None})


def _payee(el: etree._Element | None) -> Party | None:
    if el is None:
        return None
    legal = _find(el, "cac:PartyLegalEntity")
    return Party(
        name=_text(el, "cac:PartyName/cbc:Name"),
        identifiers=_idents(el, "cac:PartyIdentification/cbc:ID"),
        legal_registration=_ident(legal, "cbc:CompanyID"),
    )


@dataclass(frozen=True, slots=True)
class Header:
    """What can be read from any Invoice/CreditNote-like document, valid or not (never raises)."""

    document_type: DocumentType | None = None
    number: str | None = None
    issue_date: date | None = None
    type_code: str | None = None
    currency: str | None = None
    purchase_order_reference: str | None = None
    seller_name: str | None = None
    seller_electronic_address: Identifier | None = None
    seller_identifiers: tuple[Identifier, ...] = field(default=())
    seller_vat_id: str | None = None
    payable_amount: Decimal | None = None
    tax_inclusive_amount: Decimal | None = None
    buyer_name: str | None = None
    buyer_electronic_address: Identifier | None = None


def parse_header(source: etree._ElementTree | etree._Element) -> Header:
    """Best-effort BT-1/2/3/5/13 and seller identity of a (possibly invalid) document."""
    root = _root(source)
    if root.tag == CII_ROOT:
        return _cii_header(root)
    with _parsing(root):
        return _parse_header(root)


def _cii_header(root: etree._Element) -> Header:
    f = cii_header_fields(root)
    seller, buyer = f["seller"], f["buyer"]
    return Header(
        document_type=f["document_type"],
        number=_clip(f["number"], 200),
        issue_date=f["issue_date"],
        type_code=_clip(f["type_code"], 8),
        currency=_clip(f["currency"], 3),
        purchase_order_reference=_clip(f["purchase_order_reference"], 200),
        seller_name=_clip(seller.name or seller.trading_name, 500) if seller else None,
        seller_electronic_address=seller.electronic_address if seller else None,
        seller_identifiers=seller.all_identifiers() if seller else (),
        seller_vat_id=seller.vat_id if seller else None,
        payable_amount=f["payable_amount"],
        tax_inclusive_amount=f["tax_inclusive_amount"],
        buyer_name=(buyer.name or buyer.trading_name) if buyer else None,
        buyer_electronic_address=buyer.electronic_address if buyer else None,
    )


def _parse_header(root: etree._Element) -> Header:
    kind = _ROOTS.get(root.tag)
    if kind is None:
        return Header()

    def safe(fn: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return fn(*args)
        except (DocumentError, ValueError):
            return None

    type_tag = "cbc:InvoiceTypeCode" if kind is DocumentType.invoice else "cbc:CreditNoteTypeCode"
    seller_el = _find(root, "cac:AccountingSupplierParty/cac:Party")
    seller = safe(_party, seller_el)
    buyer = safe(_party, _find(root, "cac:AccountingCustomerParty/cac:Party"))
    lmt = _find(root, "cac:LegalMonetaryTotal")
    return Header(
        document_type=kind,
        number=_clip(_text(root, "cbc:ID"), 200),
        issue_date=safe(_date, _text(root, "cbc:IssueDate"), "BT-2"),
        type_code=_clip(_text(root, type_tag), 8),
        currency=_clip(_text(root, "cbc:DocumentCurrencyCode"), 3),
        purchase_order_reference=_clip(_text(root, "cac:OrderReference/cbc:ID"), 200),
        seller_name=_clip(seller.name or seller.trading_name, 500) if seller else None,
        seller_electronic_address=seller.electronic_address if seller else None,
        seller_identifiers=seller.all_identifiers() if seller else (),
        seller_vat_id=seller.vat_id if seller else None,
        payable_amount=safe(_opt_dec, lmt, "cbc:PayableAmount", "BT-115"),
        tax_inclusive_amount=safe(_opt_dec, lmt, "cbc:TaxInclusiveAmount", "BT-112"),
        buyer_name=(buyer.name or buyer.trading_name) if buyer else None,
        buyer_electronic_address=buyer.electronic_address if buyer else None,
    )


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value is not None else None
