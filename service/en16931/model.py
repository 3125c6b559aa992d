"""The EN 16931 semantic model of an Invoice or CreditNote (pure: no web framework, no database).

Field names follow the standard's business terms; each field's description names its BT/BG id.
Amounts, quantities and rates are ``Decimal`` (never float), kept exactly as written in the document
(no rescaling). Credit notes are first-class: ``document_type`` says which kind, and quantities and
amounts keep the sign they have in the document (a credit note's positive amounts are credits; use
``InvoiceDocument.sign`` when summing invoices and credit notes together).

Every model is immutable. ``InvoiceDocument.to_json()`` / ``InvoiceDocument.from_json()`` round-trip
through plain JSON (decimals as strings, dates as ISO strings) so the model can be stored in
``Invoice.data`` and rebuilt later (matching, review, ERP export). Attachment bytes are not part of the
JSON (intake stores them in their own table); ``Attachment.sha256`` and ``size`` identify them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CardPayment",
    "Contact",
    "Delivery",
    "DirectDebit",
    "DocumentType",
    "FinancialAccount",
    "Identifier",
    "InvoiceDocument",
    "InvoiceLine",
    "InvoicePeriod",
    "Item",
    "ItemAttribute",
    "Party",
    "PaymentMeans",
    "PrecedingInvoice",
    "Price",
    "Totals",
    "VatBreakdown",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentType(StrEnum):
    """Which UBL document carried the terms (same values as ``service.models.invoices.DocumentType``)."""

    invoice = "invoice"
    credit_note = "credit_note"


class Identifier(_Frozen):
    """An identifier with its optional scheme (ISO 6523 ICD such as 0106 KvK, 0190 OIN, 0088 GLN,
    0160 GTIN; or an EAS code for electronic addresses; ``None`` when the document gives none)."""

    value: str
    scheme: str | None = None

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}" if self.scheme else self.value


class Address(_Frozen):
    street: str | None = Field(default=None, description="BT-35/BT-50/BT-64/BT-75 Address line 1")
    additional_street: str | None = Field(default=None, description="BT-36/BT-51/BT-65/BT-76 Address line 2")
    address_line_3: str | None = Field(default=None, description="BT-162/BT-163/BT-164/BT-165 Address line 3")
    city: str | None = Field(default=None, description="BT-37/BT-52/BT-66/BT-77 City")
    postal_zone: str | None = Field(default=None, description="BT-38/BT-53/BT-67/BT-78 Post code")
    subdivision: str | None = Field(default=None, description="BT-39/BT-54/BT-68/BT-79 Country subdivision")
    country: str | None = Field(default=None, description="BT-40/BT-55/BT-69/BT-80 Country code (ISO 3166-1)")


class Contact(_Frozen):
    name: str | None = Field(default=None, description="BT-41/BT-56 Contact point")
    telephone: str | None = Field(default=None, description="BT-42/BT-57 Contact telephone number")
    email: str | None = Field(default=None, description="BT-43/BT-58 Contact email address")


class Party(_Frozen):
    """Seller (BG-4), buyer (BG-7), payee (BG-10) or seller tax representative (BG-11)."""

    name: str | None = Field(default=None, description="BT-27/BT-44/BT-59/BT-62 Name (legal registration name)")
    trading_name: str | None = Field(default=None, description="BT-28/BT-45 Trading name")
    identifiers: tuple[Identifier, ...] = Field(
        default=(), description="BT-29/BT-46/BT-60 Party identifiers with scheme (incl. BT-90 SEPA creditor id)"
    )
    legal_registration: Identifier | None = Field(
        default=None, description="BT-30/BT-47/BT-61 Legal registration identifier (KvK 0106, OIN 0190, ...)"
    )
    vat_id: str | None = Field(default=None, description="BT-31/BT-48/BT-63 VAT identifier")
    tax_registration_id: str | None = Field(default=None, description="BT-32 Seller tax registration identifier")
    legal_form: str | None = Field(default=None, description="BT-33 Seller additional legal information")
    electronic_address: Identifier | None = Field(
        default=None, description="BT-34/BT-49 Electronic address with its EAS scheme"
    )
    address: Address | None = Field(default=None, description="BG-5/BG-8/BG-12 Postal address")
    contact: Contact | None = Field(default=None, description="BG-6/BG-9 Contact")

    def all_identifiers(self) -> tuple[Identifier, ...]:
        """BT-29 identifiers and the BT-30 legal registration, deduplicated, in document order."""
        out: list[Identifier] = []
        for ident in (*self.identifiers, *((self.legal_registration,) if self.legal_registration else ())):
            if ident not in out:
                out.append(ident)
        return tuple(out)


class PrecedingInvoice(_Frozen):
    """BG-3 Preceding invoice reference."""

    number: str = Field(description="BT-25 Preceding invoice reference")
    issue_date: date | None = Field(default=None, description="BT-26 Preceding invoice issue date")


class InvoicePeriod(_Frozen):
    start_date: date | None = Field(default=None, description="BT-73/BT-134 Invoicing period start date")
    end_date: date | None = Field(default=None, description="BT-74/BT-135 Invoicing period end date")
    description_code: str | None = Field(default=None, description="BT-8 Value added tax point date code")


class Delivery(_Frozen):
    """BG-13 Delivery information."""

    party_name: str | None = Field(default=None, description="BT-70 Deliver to party name")
    location_id: Identifier | None = Field(default=None, description="BT-71 Deliver to location identifier")
    actual_date: date | None = Field(default=None, description="BT-72 Actual delivery date")
    address: Address | None = Field(default=None, description="BG-15 Deliver to address")


class FinancialAccount(_Frozen):
    """BG-17 Credit transfer."""

    id: str = Field(description="BT-84 Payment account identifier (IBAN for SEPA)")
    name: str | None = Field(default=None, description="BT-85 Payment account name")
    service_provider: str | None = Field(default=None, description="BT-86 Payment service provider identifier (BIC)")


class CardPayment(_Frozen):
    """BG-18 Payment card information."""

    primary_account_number: str = Field(description="BT-87 Payment card primary account number")
    holder_name: str | None = Field(default=None, description="BT-88 Payment card holder name")
    network: str | None = Field(default=None, description="Card network (NetworkID)")


class DirectDebit(_Frozen):
    """BG-19 Direct debit."""

    mandate_reference: str | None = Field(default=None, description="BT-89 Mandate reference identifier")
    debited_account: str | None = Field(default=None, description="BT-91 Debited account identifier")


class PaymentMeans(_Frozen):
    """BG-16 Payment instructions (one per cac:PaymentMeans)."""

    code: str = Field(description="BT-81 Payment means type code (UNCL 4461; 30/58 credit transfer, 59 direct debit)")
    text: str | None = Field(default=None, description="BT-82 Payment means text")
    remittance_information: str | None = Field(default=None, description="BT-83 Remittance information")
    accounts: tuple[FinancialAccount, ...] = Field(default=(), description="BG-17 Credit transfers")
    card: CardPayment | None = Field(default=None, description="BG-18 Payment card information")
    direct_debit: DirectDebit | None = Field(default=None, description="BG-19 Direct debit")


class AllowanceCharge(_Frozen):
    """BG-20/BG-21 document level or BG-27/BG-28 line level allowance (``charge`` false) or charge."""

    charge: bool = Field(description="True for a charge (BG-21/BG-28), false for an allowance (BG-20/BG-27)")
    amount: Decimal = Field(description="BT-92/BT-99/BT-136/BT-141 Amount")
    base_amount: Decimal | None = Field(default=None, description="BT-93/BT-100/BT-137/BT-142 Base amount")
    percentage: Decimal | None = Field(default=None, description="BT-94/BT-101/BT-138/BT-143 Percentage")
    vat_category: str | None = Field(default=None, description="BT-95/BT-102 VAT category code (document level)")
    vat_rate: Decimal | None = Field(default=None, description="BT-96/BT-103 VAT rate (document level)")
    reason: str | None = Field(default=None, description="BT-97/BT-104/BT-139/BT-144 Reason")
    reason_code: str | None = Field(
        default=None, description="BT-98/BT-105/BT-140/BT-145 Reason code (UNCL 5189 allowances, UNCL 7161 charges)"
    )


class VatBreakdown(_Frozen):
    """BG-23 VAT breakdown."""

    taxable_amount: Decimal = Field(description="BT-116 VAT category taxable amount")
    tax_amount: Decimal = Field(description="BT-117 VAT category tax amount")
    category: str = Field(description="BT-118 VAT category code (UNCL 5305 subset: S, Z, E, AE, K, G, O, L, M)")
    rate: Decimal | None = Field(default=None, description="BT-119 VAT category rate")
    exemption_reason: str | None = Field(default=None, description="BT-120 VAT exemption reason text")
    exemption_reason_code: str | None = Field(default=None, description="BT-121 VAT exemption reason code (VATEX)")


class Totals(_Frozen):
    """BG-22 Document totals."""

    line_extension_amount: Decimal = Field(description="BT-106 Sum of Invoice line net amount")
    allowance_total_amount: Decimal | None = Field(default=None, description="BT-107 Sum of allowances on document level")
    charge_total_amount: Decimal | None = Field(default=None, description="BT-108 Sum of charges on document level")
    tax_exclusive_amount: Decimal = Field(description="BT-109 Invoice total amount without VAT")
    tax_amount: Decimal | None = Field(default=None, description="BT-110 Invoice total VAT amount")
    tax_amount_accounting_currency: Decimal | None = Field(
        default=None, description="BT-111 Invoice total VAT amount in accounting currency"
    )
    tax_inclusive_amount: Decimal = Field(description="BT-112 Invoice total amount with VAT")
    prepaid_amount: Decimal | None = Field(default=None, description="BT-113 Paid amount")
    rounding_amount: Decimal | None = Field(default=None, description="BT-114 Rounding amount")
    payable_amount: Decimal = Field(description="BT-115 Amount due for payment")


class Attachment(_Frozen):
    """BG-24 Additional supporting document (with or without an embedded binary object)."""

    id: str = Field(description="BT-122 Supporting document reference")
    description: str | None = Field(default=None, description="BT-123 Supporting document description")
    external_uri: str | None = Field(default=None, description="BT-124 External document location")
    mime_code: str | None = Field(default=None, description="BT-125 Attached document mime code")
    filename: str | None = Field(default=None, description="BT-125 Attached document filename")
    size: int | None = Field(default=None, description="Size in bytes of the decoded embedded document")
    sha256: str | None = Field(default=None, description="SHA-256 of the decoded embedded document")
    content: bytes | None = Field(
        default=None, exclude=True, repr=False, description="BT-125 decoded bytes (not part of the JSON form)"
    )

    @property
    def embedded(self) -> bool:
        return self.size is not None


class ItemAttribute(_Frozen):
    """BG-32 Item attribute."""

    name: str = Field(description="BT-160 Item attribute name")
    value: str = Field(description="BT-161 Item attribute value")


class Item(_Frozen):
    """BG-31 Item information."""

    name: str = Field(description="BT-153 Item name")
    description: str | None = Field(default=None, description="BT-154 Item description")
    seller_item_id: str | None = Field(default=None, description="BT-155 Item Seller's identifier")
    buyer_item_id: str | None = Field(default=None, description="BT-156 Item Buyer's identifier")
    standard_item_id: Identifier | None = Field(
        default=None, description="BT-157 Item standard identifier with scheme (GTIN: 0160)"
    )
    classifications: tuple[Identifier, ...] = Field(
        default=(), description="BT-158 Item classification identifiers (scheme = listID)"
    )
    origin_country: str | None = Field(default=None, description="BT-159 Item country of origin")
    attributes: tuple[ItemAttribute, ...] = Field(default=(), description="BG-32 Item attributes")


class Price(_Frozen):
    """BG-29 Price details."""

    net_price: Decimal = Field(description="BT-146 Item net price")
    discount: Decimal | None = Field(default=None, description="BT-147 Item price discount")
    gross_price: Decimal | None = Field(default=None, description="BT-148 Item gross price")
    base_quantity: Decimal | None = Field(default=None, description="BT-149 Item price base quantity")
    base_quantity_unit: str | None = Field(default=None, description="BT-150 Item price base quantity unit of measure code")

    @property
    def unit_price(self) -> Decimal:
        """Net price per single unit: BT-146 / BT-149 (BT-149 defaults to 1)."""
        if self.base_quantity in (None, Decimal(0)):
            return self.net_price
        return self.net_price / self.base_quantity


class InvoiceLine(_Frozen):
    """BG-25 Invoice line (cac:InvoiceLine or cac:CreditNoteLine)."""

    id: str = Field(description="BT-126 Invoice line identifier")
    note: str | None = Field(default=None, description="BT-127 Invoice line note")
    object_identifier: Identifier | None = Field(default=None, description="BT-128 Invoice line object identifier")
    quantity: Decimal = Field(description="BT-129 Invoiced quantity")
    unit_code: str | None = Field(default=None, description="BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20)")
    net_amount: Decimal = Field(description="BT-131 Invoice line net amount")
    order_line_reference: str | None = Field(default=None, description="BT-132 Referenced purchase order line reference")
    accounting_cost: str | None = Field(default=None, description="BT-133 Invoice line Buyer accounting reference")
    period: InvoicePeriod | None = Field(default=None, description="BG-26 Invoice line period (BT-134/BT-135)")
    allowances_charges: tuple[AllowanceCharge, ...] = Field(
        default=(), description="BG-27/BG-28 Invoice line allowances and charges"
    )
    price: Price = Field(description="BG-29 Price details")
    vat_category: str | None = Field(default=None, description="BT-151 Invoiced item VAT category code")
    vat_rate: Decimal | None = Field(default=None, description="BT-152 Invoiced item VAT rate")
    item: Item = Field(description="BG-31 Item information")

    @property
    def allowances(self) -> tuple[AllowanceCharge, ...]:
        return tuple(a for a in self.allowances_charges if not a.charge)

    @property
    def charges(self) -> tuple[AllowanceCharge, ...]:
        return tuple(a for a in self.allowances_charges if a.charge)


class InvoiceDocument(_Frozen):
    """The EN 16931 content of one Invoice or CreditNote."""

    document_type: DocumentType = Field(description="Invoice or credit note (UBL root element)")
    customization_id: str | None = Field(default=None, description="BT-24 Specification identifier")
    profile_id: str | None = Field(default=None, description="BT-23 Business process type")
    number: str = Field(description="BT-1 Invoice number")
    issue_date: date = Field(description="BT-2 Invoice issue date")
    type_code: str = Field(description="BT-3 Invoice type code (UNCL 1001: 380 invoice, 381 credit note, ...)")
    currency: str = Field(description="BT-5 Invoice currency code")
    tax_currency: str | None = Field(default=None, description="BT-6 VAT accounting currency code")
    tax_point_date: date | None = Field(default=None, description="BT-7 Value added tax point date")
    due_date: date | None = Field(default=None, description="BT-9 Payment due date")
    buyer_reference: str | None = Field(default=None, description="BT-10 Buyer reference")
    project_reference: str | None = Field(default=None, description="BT-11 Project reference")
    contract_reference: str | None = Field(default=None, description="BT-12 Contract reference")
    purchase_order_reference: str | None = Field(default=None, description="BT-13 Purchase order reference")
    sales_order_reference: str | None = Field(default=None, description="BT-14 Sales order reference")
    receiving_advice_reference: str | None = Field(default=None, description="BT-15 Receiving advice reference")
    despatch_advice_reference: str | None = Field(default=None, description="BT-16 Despatch advice reference")
    tender_reference: str | None = Field(default=None, description="BT-17 Tender or lot reference")
    invoiced_object_identifier: Identifier | None = Field(default=None, description="BT-18 Invoiced object identifier")
    buyer_accounting_reference: str | None = Field(default=None, description="BT-19 Buyer accounting reference")
    payment_terms: str | None = Field(default=None, description="BT-20 Payment terms")
    notes: tuple[str, ...] = Field(default=(), description="BG-1 Invoice notes (BT-22)")
    preceding_invoices: tuple[PrecedingInvoice, ...] = Field(
        default=(), description="BG-3 Preceding invoice references (BT-25/BT-26)"
    )
    seller: Party = Field(description="BG-4 Seller")
    buyer: Party = Field(description="BG-7 Buyer")
    payee: Party | None = Field(default=None, description="BG-10 Payee")
    tax_representative: Party | None = Field(default=None, description="BG-11 Seller tax representative party")
    delivery: Delivery | None = Field(default=None, description="BG-13 Delivery information")
    invoice_period: InvoicePeriod | None = Field(default=None, description="BG-14 Invoicing period (BT-73/BT-74, BT-8)")
    payment_means: tuple[PaymentMeans, ...] = Field(default=(), description="BG-16 Payment instructions")
    allowances_charges: tuple[AllowanceCharge, ...] = Field(
        default=(), description="BG-20/BG-21 Document level allowances and charges"
    )
    vat_breakdown: tuple[VatBreakdown, ...] = Field(default=(), description="BG-23 VAT breakdown")
    totals: Totals = Field(description="BG-22 Document totals")
    attachments: tuple[Attachment, ...] = Field(default=(), description="BG-24 Additional supporting documents")
    lines: tuple[InvoiceLine, ...] = Field(default=(), description="BG-25 Invoice lines")

    # -- convenience -------------------------------------------------------------------------------
    @property
    def is_credit_note(self) -> bool:
        """A CreditNote document, or an Invoice with credit note type code 381 (and related codes)."""
        return self.document_type is DocumentType.credit_note or self.type_code in _CREDIT_TYPE_CODES

    @property
    def sign(self) -> int:
        """-1 for credit notes, 1 otherwise: multiply amounts/quantities to net invoices and credits."""
        return -1 if self.is_credit_note else 1

    @property
    def iban_list(self) -> tuple[str, ...]:
        """Every BT-84 payment account identifier, normalised (spaces removed, upper case)."""
        return tuple(
            dict.fromkeys(acc.id.replace(" ", "").upper() for pm in self.payment_means for acc in pm.accounts)
        )

    @property
    def allowances(self) -> tuple[AllowanceCharge, ...]:
        return tuple(a for a in self.allowances_charges if not a.charge)

    @property
    def charges(self) -> tuple[AllowanceCharge, ...]:
        return tuple(a for a in self.allowances_charges if a.charge)

    def line(self, line_id: str) -> InvoiceLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    # -- JSON round-trip ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form (decimals as strings, dates ISO, no attachment bytes; None fields omitted)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvoiceDocument:
        """Rebuild the model from ``to_json()`` output (e.g. ``Invoice.data``)."""
        return cls.model_validate(data)


# UNCL 1001 codes that EN 16931 treats as credit notes (Peppol allows 381 and 396 in a CreditNote).
_CREDIT_TYPE_CODES = frozenset({"81", "83", "381", "396", "532"})
