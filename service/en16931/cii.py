"""UN/CEFACT Cross Industry Invoice D16B -> ``InvoiceDocument`` (the EN 16931 model). Pure: lxml only.

The CII syntax binding of EN 16931 (CEN/TS 16931-3-3) mapped onto the same model as UBL, so that
matching, the workspace, the Invoice Response and the ERP feed treat a CII invoice exactly like a
UBL one. CII has one root for invoices and credit notes: a credit-note type code (381, 396, ...)
makes it a credit note, with its amounts as written (positive, like a UBL CreditNote's).

Dates in CII are ``udt:DateTimeString`` with a format code; EN 16931 allows only 102 (YYYYMMDD).
Like ``parser.parse_document``, ``parse_cii_document`` expects a validated document and raises
``DocumentError`` naming the business term that is missing or unreadable; ``parse_cii_header`` never
raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree

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
from service.en16931.values import DocumentError, decimal_of, identifier_of, identifiers_of, required, text_of

__all__ = ["CII_ROOT", "parse_cii_document", "cii_header_fields"]

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
CII_ROOT = f"{{{RSM}}}CrossIndustryInvoice"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

_T = TypeVar("_T")

_CREDIT_TYPE_CODES = frozenset({"81", "83", "381", "396", "532"})
# AdditionalReferencedDocument type codes (UNCL 1001): 916 BG-24 supporting document, 130 BT-18
# invoiced object, 50 BT-17 tender or lot.
_SUPPORTING, _INVOICED_OBJECT, _TENDER = "916", "130", "50"


# -- small helpers (paths are ElementPath with the prefixes above) -------------------------------------
def _find(el: etree._Element | None, path: str) -> etree._Element | None:
    return None if el is None else el.find(path, NS)


def _iter(el: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if el is None else el.findall(path, NS)


def _text(el: etree._Element | None, path: str) -> str | None:
    return text_of(_find(el, path))


def _req(el: etree._Element | None, path: str, term: str) -> str:
    return required(_text(el, path), path, term)


def _dec(value: str | None, term: str) -> Decimal | None:
    return decimal_of(value, term)


def _opt_dec(el: etree._Element | None, path: str, term: str) -> Decimal | None:
    return _dec(_text(el, path), term)


def _req_dec(el: etree._Element | None, path: str, term: str) -> Decimal:
    return _dec(_req(el, path, term), term)  # type: ignore[return-value]


def _date(el: etree._Element | None, path: str, term: str) -> date | None:
    """A CII date (``udt:DateTimeString`` / ``qdt:DateTimeString`` / ``udt:DateString``, format 102)."""
    found = _find(el, path)
    if found is None:
        return None
    value = "".join((found.text or "").split())
    if not value:
        return None
    fmt = found.get("format", "102")
    try:
        if fmt == "102" and len(value) == 8:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        return date.fromisoformat(value[:10])
    except ValueError:
        raise DocumentError(f"{term} is not a date (format 102, YYYYMMDD): {value!r}", term) from None


def _ident(el: etree._Element | None, path: str, attr: str = "schemeID") -> Identifier | None:
    return identifier_of(_find(el, path), attr)


def _idents(el: etree._Element | None, path: str, attr: str = "schemeID") -> tuple[Identifier, ...]:
    return identifiers_of(_iter(el, path), attr)


def _indicator(el: etree._Element, term: str) -> bool:
    value = (_text(el, "ram:ChargeIndicator/udt:Indicator") or "").lower()
    if value not in ("true", "false", "1", "0"):
        raise DocumentError(f"{term} ChargeIndicator is not a boolean: {value!r}", term)
    return value in ("true", "1")


# -- aggregates ----------------------------------------------------------------------------------------
def _address(el: etree._Element | None) -> Address | None:
    if el is None:
        return None
    return Address(
        street=_text(el, "ram:LineOne"),
        additional_street=_text(el, "ram:LineTwo"),
        address_line_3=_text(el, "ram:LineThree"),
        city=_text(el, "ram:CityName"),
        postal_zone=_text(el, "ram:PostcodeCode"),
        subdivision=_text(el, "ram:CountrySubDivisionName"),
        country=_text(el, "ram:CountryID"),
    )


def _contact(el: etree._Element | None) -> Contact | None:
    if el is None:
        return None
    return Contact(
        name=_text(el, "ram:PersonName") or _text(el, "ram:DepartmentName"),
        telephone=_text(el, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
        email=_text(el, "ram:EmailURIUniversalCommunication/ram:URIID"),
    )


def _party(el: etree._Element | None) -> Party | None:
    if el is None:
        return None
    vat_id = tax_registration_id = None
    for reg in _iter(el, "ram:SpecifiedTaxRegistration/ram:ID"):
        value = (reg.text or "").strip()
        if not value:
            continue
        if (reg.get("schemeID") or "").upper() == "VA":
            vat_id = vat_id or value
        elif (reg.get("schemeID") or "").upper() == "FC":
            tax_registration_id = tax_registration_id or value
    legal = _find(el, "ram:SpecifiedLegalOrganization")
    return Party(
        name=_text(el, "ram:Name"),
        trading_name=_text(legal, "ram:TradingBusinessName"),
        # BT-29 / BT-46 / BT-60: ram:ID (no scheme) and ram:GlobalID (with scheme)
        identifiers=_idents(el, "ram:ID") + _idents(el, "ram:GlobalID"),
        legal_registration=_ident(legal, "ram:ID"),
        vat_id=vat_id,
        tax_registration_id=tax_registration_id,
        legal_form=_text(el, "ram:Description"),
        electronic_address=_ident(el, "ram:URIUniversalCommunication/ram:URIID"),
        address=_address(_find(el, "ram:PostalTradeAddress")),
        contact=_contact(_find(el, "ram:DefinedTradeContact")),
    )


def _period(el: etree._Element | None, start: str, end: str, code: str | None = None) -> InvoicePeriod | None:
    if el is None and code is None:
        return None
    return InvoicePeriod(
        start_date=_date(el, "ram:StartDateTime/udt:DateTimeString", start),
        end_date=_date(el, "ram:EndDateTime/udt:DateTimeString", end),
        description_code=code,
    )


def _allowance_charge(el: etree._Element, terms: tuple[str, str, str], *, document_level: bool) -> AllowanceCharge:
    amount_t, base_t, pct_t = terms
    return AllowanceCharge(
        charge=_indicator(el, amount_t),
        amount=_req_dec(el, "ram:ActualAmount", amount_t),
        base_amount=_opt_dec(el, "ram:BasisAmount", base_t),
        percentage=_opt_dec(el, "ram:CalculationPercent", pct_t),
        vat_category=_text(el, "ram:CategoryTradeTax/ram:CategoryCode") if document_level else None,
        vat_rate=_opt_dec(el, "ram:CategoryTradeTax/ram:RateApplicablePercent", "BT-96/BT-103")
        if document_level else None,
        reason=_text(el, "ram:Reason"),
        reason_code=_text(el, "ram:ReasonCode"),
    )


def _payment_means(el: etree._Element, settlement: etree._Element, terms: list[etree._Element]) -> PaymentMeans:
    card_el = _find(el, "ram:ApplicableTradeSettlementFinancialCard")
    card = None
    if card_el is not None:
        card = CardPayment(primary_account_number=_req(card_el, "ram:ID", "BT-87"),
                           holder_name=_text(card_el, "ram:CardholderName"))
    debtor = _text(el, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
    mandate = next((m for t in terms if (m := _text(t, "ram:DirectDebitMandateID"))), None)
    direct_debit = DirectDebit(mandate_reference=mandate, debited_account=debtor) if (debtor or mandate) else None
    bic = _text(el, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
    accounts = tuple(
        FinancialAccount(
            id=_text(acc, "ram:IBANID") or _req(acc, "ram:ProprietaryID", "BT-84"),
            name=_text(acc, "ram:AccountName"),
            service_provider=bic,
        )
        for acc in _iter(el, "ram:PayeePartyCreditorFinancialAccount")
    )
    return PaymentMeans(
        code=_req(el, "ram:TypeCode", "BT-81"),
        text=_text(el, "ram:Information"),
        remittance_information=_text(settlement, "ram:PaymentReference"),
        accounts=accounts,
        card=card,
        direct_debit=direct_debit,
    )


def _attachment(el: etree._Element) -> Attachment:
    binary = _find(el, "ram:AttachmentBinaryObject")
    content = None
    mime_code = filename = sha = None
    size = None
    if binary is not None:
        mime_code, filename = binary.get("mimeCode"), binary.get("filename")
        try:
            content = base64.b64decode("".join((binary.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise DocumentError("BT-125 Attached document is not valid base64", "BT-125") from None
        size, sha = len(content), hashlib.sha256(content).hexdigest()
    return Attachment(
        id=_req(el, "ram:IssuerAssignedID", "BT-122"),
        description=_text(el, "ram:Name"),
        external_uri=_text(el, "ram:URIID"),
        mime_code=mime_code,
        filename=filename,
        size=size,
        sha256=sha,
        content=content,
    )


_LINE_AC_TERMS = ("BT-136/BT-141", "BT-137/BT-142", "BT-138/BT-143")
_DOC_AC_TERMS = ("BT-92/BT-99", "BT-93/BT-100", "BT-94/BT-101")


def _line(el: etree._Element) -> InvoiceLine:
    product = _find(el, "ram:SpecifiedTradeProduct")
    if product is None:
        raise DocumentError("BG-31 Item information is missing", "BG-31")
    agreement = _find(el, "ram:SpecifiedLineTradeAgreement")
    settlement = _find(el, "ram:SpecifiedLineTradeSettlement")
    qty_el = _find(el, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    if qty_el is None or not (qty_el.text or "").strip():
        raise DocumentError("BT-129 Invoiced quantity is missing", "BT-129")
    net = _find(agreement, "ram:NetPriceProductTradePrice")
    if net is None:
        raise DocumentError("BG-29 Price details are missing", "BG-29")
    gross = _find(agreement, "ram:GrossPriceProductTradePrice")
    base_el = _find(net, "ram:BasisQuantity")
    tax = _find(settlement, "ram:ApplicableTradeTax")
    object_id = next((_ident(ref, "ram:IssuerAssignedID", "ReferenceTypeCode")
                      for ref in _iter(settlement, "ram:AdditionalReferencedDocument")
                      if _text(ref, "ram:TypeCode") == _INVOICED_OBJECT), None)
    item = Item(
        name=_req(product, "ram:Name", "BT-153"),
        description=_text(product, "ram:Description"),
        seller_item_id=_text(product, "ram:SellerAssignedID"),
        buyer_item_id=_text(product, "ram:BuyerAssignedID"),
        standard_item_id=_ident(product, "ram:GlobalID"),
        classifications=_idents(product, "ram:DesignatedProductClassification/ram:ClassCode", "listID"),
        origin_country=_text(product, "ram:OriginTradeCountry/ram:ID"),
        attributes=tuple(
            ItemAttribute(name=_req(c, "ram:Description", "BT-160"), value=_req(c, "ram:Value", "BT-161"))
            for c in _iter(product, "ram:ApplicableProductCharacteristic")
        ),
    )
    return InvoiceLine(
        id=_req(el, "ram:AssociatedDocumentLineDocument/ram:LineID", "BT-126"),
        note=_text(el, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
        object_identifier=object_id,
        quantity=_dec(qty_el.text.strip(), "BT-129"),
        unit_code=qty_el.get("unitCode"),
        net_amount=_req_dec(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                            "BT-131"),
        order_line_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
        accounting_cost=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        period=_period(_find(settlement, "ram:BillingSpecifiedPeriod"), "BT-134", "BT-135"),
        allowances_charges=tuple(_allowance_charge(ac, _LINE_AC_TERMS, document_level=False)
                                 for ac in _iter(settlement, "ram:SpecifiedTradeAllowanceCharge")),
        price=Price(
            net_price=_req_dec(net, "ram:ChargeAmount", "BT-146"),
            discount=_opt_dec(gross, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount", "BT-147"),
            gross_price=_opt_dec(gross, "ram:ChargeAmount", "BT-148"),
            base_quantity=_dec(base_el.text.strip(), "BT-149")
            if base_el is not None and (base_el.text or "").strip() else None,
            base_quantity_unit=base_el.get("unitCode") if base_el is not None else None,
        ),
        vat_category=_text(tax, "ram:CategoryCode"),
        vat_rate=_opt_dec(tax, "ram:RateApplicablePercent", "BT-152"),
        item=item,
    )


def _vat_breakdown(el: etree._Element) -> VatBreakdown:
    return VatBreakdown(
        taxable_amount=_req_dec(el, "ram:BasisAmount", "BT-116"),
        tax_amount=_req_dec(el, "ram:CalculatedAmount", "BT-117"),
        category=_req(el, "ram:CategoryCode", "BT-118"),
        rate=_opt_dec(el, "ram:RateApplicablePercent", "BT-119"),
        exemption_reason=_text(el, "ram:ExemptionReason"),
        exemption_reason_code=_text(el, "ram:ExemptionReasonCode"),
    )


def _totals(el: etree._Element | None, currency: str, tax_currency: str | None) -> Totals:
    if el is None:
        raise DocumentError("BG-22 Document totals are missing", "BG-22")
    tax_amount = tax_accounting = None
    for amount in _iter(el, "ram:TaxTotalAmount"):
        value = _dec((amount.text or "").strip() or None, "BT-110")
        if tax_currency and amount.get("currencyID") == tax_currency and tax_currency != currency:
            tax_accounting = value
        elif tax_amount is None:
            tax_amount = value
    return Totals(
        line_extension_amount=_req_dec(el, "ram:LineTotalAmount", "BT-106"),
        allowance_total_amount=_opt_dec(el, "ram:AllowanceTotalAmount", "BT-107"),
        charge_total_amount=_opt_dec(el, "ram:ChargeTotalAmount", "BT-108"),
        tax_exclusive_amount=_req_dec(el, "ram:TaxBasisTotalAmount", "BT-109"),
        tax_amount=tax_amount,
        tax_amount_accounting_currency=tax_accounting,
        tax_inclusive_amount=_req_dec(el, "ram:GrandTotalAmount", "BT-112"),
        prepaid_amount=_opt_dec(el, "ram:TotalPrepaidAmount", "BT-113"),
        rounding_amount=_opt_dec(el, "ram:RoundingAmount", "BT-114"),
        payable_amount=_req_dec(el, "ram:DuePayableAmount", "BT-115"),
    )


def _delivery(el: etree._Element | None) -> Delivery | None:
    if el is None:
        return None
    ship_to = _find(el, "ram:ShipToTradeParty")
    actual = _date(el, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString", "BT-72")
    if ship_to is None and actual is None:
        return None
    return Delivery(
        party_name=_text(ship_to, "ram:Name"),
        location_id=_ident(ship_to, "ram:GlobalID") or _ident(ship_to, "ram:ID"),
        actual_date=actual,
        address=_address(_find(ship_to, "ram:PostalTradeAddress")),
    )


def _referenced(el: etree._Element | None, path: str) -> str | None:
    return _text(el, f"{path}/ram:IssuerAssignedID")


# -- public --------------------------------------------------------------------------------------------
def parse_cii_document(root: etree._Element) -> InvoiceDocument:
    """Map a CII CrossIndustryInvoice onto the EN 16931 model (see the module docstring)."""
    if root.tag != CII_ROOT:
        raise DocumentError(f"not a UN/CEFACT CrossIndustryInvoice: {root.tag}", "BT-3")
    doc = _find(root, "rsm:ExchangedDocument")
    context = _find(root, "rsm:ExchangedDocumentContext")
    transaction = _find(root, "rsm:SupplyChainTradeTransaction")
    agreement = _find(transaction, "ram:ApplicableHeaderTradeAgreement")
    settlement = _find(transaction, "ram:ApplicableHeaderTradeSettlement")
    delivery = _find(transaction, "ram:ApplicableHeaderTradeDelivery")
    type_code = _req(doc, "ram:TypeCode", "BT-3")
    currency = _req(settlement, "ram:InvoiceCurrencyCode", "BT-5")
    tax_currency = _text(settlement, "ram:TaxCurrencyCode")
    seller, buyer = _party(_find(agreement, "ram:SellerTradeParty")), _party(_find(agreement, "ram:BuyerTradeParty"))
    if seller is None:
        raise DocumentError("BG-4 Seller is missing", "BG-4")
    if buyer is None:
        raise DocumentError("BG-7 Buyer is missing", "BG-7")
    header_tax = _iter(settlement, "ram:ApplicableTradeTax")
    terms = _iter(settlement, "ram:SpecifiedTradePaymentTerms")
    references = _iter(agreement, "ram:AdditionalReferencedDocument")
    tax_point_code = next((c for t in header_tax if (c := _text(t, "ram:DueDateTypeCode"))), None)
    tax_point = next((d for t in header_tax if (d := _date(t, "ram:TaxPointDate/udt:DateString", "BT-7"))), None)
    period = _find(settlement, "ram:BillingSpecifiedPeriod")
    creditor_id = _text(settlement, "ram:CreditorReferenceID")
    payee_party = _party(_find(settlement, "ram:PayeeTradeParty"))
    if creditor_id and payee_party is None:  # BT-90 belongs to the seller when there is no payee
        seller = seller.model_copy(update={"identifiers": (*seller.identifiers, Identifier(value=creditor_id,
                                                                                             scheme="SEPA"))})
    elif creditor_id and payee_party is not None:
        payee_party = payee_party.model_copy(update={"identifiers": (*payee_party.identifiers,
                                                                     Identifier(value=creditor_id, scheme="SEPA"))})
    return InvoiceDocument(
        document_type=DocumentType.credit_note if type_code in _CREDIT_TYPE_CODES else DocumentType.invoice,
        customization_id=_text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        profile_id=_text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        number=_req(doc, "ram:ID", "BT-1"),
        issue_date=_date(doc, "ram:IssueDateTime/udt:DateTimeString", "BT-2") or _missing("BT-2"),
        type_code=type_code,
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=tax_point,
        due_date=next((d for t in terms if (d := _date(t, "ram:DueDateDateTime/udt:DateTimeString", "BT-9"))),
                      None),
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        project_reference=_text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
        contract_reference=_referenced(agreement, "ram:ContractReferencedDocument"),
        purchase_order_reference=_referenced(agreement, "ram:BuyerOrderReferencedDocument"),
        sales_order_reference=_referenced(agreement, "ram:SellerOrderReferencedDocument"),
        receiving_advice_reference=_referenced(delivery, "ram:ReceivingAdviceReferencedDocument"),
        despatch_advice_reference=_referenced(delivery, "ram:DespatchAdviceReferencedDocument"),
        tender_reference=next((_text(r, "ram:IssuerAssignedID") for r in references
                               if _text(r, "ram:TypeCode") == _TENDER), None),
        invoiced_object_identifier=next((_ident(r, "ram:IssuerAssignedID", "ReferenceTypeCode") for r in references
                                         if _text(r, "ram:TypeCode") == _INVOICED_OBJECT), None),
        buyer_accounting_reference=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        payment_terms=next((text for t in terms if (text := _text(t, "ram:Description"))), None),
        notes=tuple(n.text.strip() for n in _iter(doc, "ram:IncludedNote/ram:Content") if (n.text or "").strip()),
        preceding_invoices=tuple(
            PrecedingInvoice(number=_req(r, "ram:IssuerAssignedID", "BT-25"),
                             issue_date=_date(r, "ram:FormattedIssueDateTime/qdt:DateTimeString", "BT-26"))
            for r in _iter(settlement, "ram:InvoiceReferencedDocument")
        ),
        seller=seller,
        buyer=buyer,
        payee=payee_party,
        tax_representative=_party(_find(agreement, "ram:SellerTaxRepresentativeTradeParty")),
        delivery=_delivery(delivery),
        invoice_period=_period(period, "BT-73", "BT-74", tax_point_code),
        payment_means=tuple(_payment_means(pm, settlement, terms)
                            for pm in _iter(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")),
        allowances_charges=tuple(_allowance_charge(ac, _DOC_AC_TERMS, document_level=True)
                                 for ac in _iter(settlement, "ram:SpecifiedTradeAllowanceCharge")),
        vat_breakdown=tuple(_vat_breakdown(t) for t in header_tax),
        totals=_totals(_find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation"), currency,
                       tax_currency),
        attachments=tuple(_attachment(r) for r in references if _text(r, "ram:TypeCode") == _SUPPORTING),
        lines=tuple(_line(li) for li in _iter(transaction, "ram:IncludedSupplyChainTradeLineItem")),
    )


def _missing(term: str) -> date:
    raise DocumentError(f"{term} is missing", term)


def cii_header_fields(root: etree._Element) -> dict[str, Any]:
    """Best effort, never raises: the fields of ``parser.Header`` a (possibly invalid) CII carries."""

    def safe(fn: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return fn(*args)
        except ValueError:
            return None

    doc = _find(root, "rsm:ExchangedDocument")
    transaction = _find(root, "rsm:SupplyChainTradeTransaction")
    agreement = _find(transaction, "ram:ApplicableHeaderTradeAgreement")
    settlement = _find(transaction, "ram:ApplicableHeaderTradeSettlement")
    totals = _find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    seller = safe(_party, _find(agreement, "ram:SellerTradeParty"))
    buyer = safe(_party, _find(agreement, "ram:BuyerTradeParty"))
    type_code = _text(doc, "ram:TypeCode")
    return {
        "document_type": DocumentType.credit_note if type_code in _CREDIT_TYPE_CODES else DocumentType.invoice,
        "number": _text(doc, "ram:ID"),
        "issue_date": safe(_date, doc, "ram:IssueDateTime/udt:DateTimeString", "BT-2"),
        "type_code": type_code,
        "currency": _text(settlement, "ram:InvoiceCurrencyCode"),
        "purchase_order_reference": _referenced(agreement, "ram:BuyerOrderReferencedDocument"),
        "seller": seller,
        "buyer": buyer,
        "payable_amount": safe(_opt_dec, totals, "ram:DuePayableAmount", "BT-115"),
        "tax_inclusive_amount": safe(_opt_dec, totals, "ram:GrandTotalAmount", "BT-112"),
    }
