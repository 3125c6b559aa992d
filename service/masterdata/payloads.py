"""Request and response bodies of the master-data API (Pydantic), with the checks that need no database.

Code-list checks read the lists from the validation context: ``Model.model_validate(raw,
context={"codelists": CodeLists})``. Pydantic collects every field error in one pass, so a 422 lists
them all; checks that need the database (known supplier, known order line) are added by the services.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from service.masterdata import identifiers as ids
from service.bounds import LARGEST_AMOUNT
from service.masterdata.codelists import CodeLists

# Decimal values travel as JSON strings; numbers are accepted on input. Scale 8 is what the tables keep.
# Unit conversions need 8 decimals (a pound is 0.45359237 kg); the integer part stays within the
# 13 digits of every amount (service.bounds), so no value is refused by one database and not the other.
Quantity = Annotated[Decimal, Field(ge=-LARGEST_AMOUNT, le=LARGEST_AMOUNT, max_digits=28, decimal_places=8)]
PositiveDecimal = Annotated[Decimal, Field(gt=0, le=LARGEST_AMOUNT, max_digits=28, decimal_places=8)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=28, decimal_places=8)]
NonNegative = Annotated[Decimal, Field(ge=0, le=LARGEST_AMOUNT, max_digits=28, decimal_places=8)]

_ZERO_RATE_CATEGORIES = {"Z", "E", "AE", "K", "G", "O"}


def _lists(info: ValidationInfo) -> CodeLists | None:
    return (info.context or {}).get("codelists") if info else None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- suppliers -------------------------------------------------------------------------------------


class IdentifierIn(_In):
    """A legal or tax identifier of the supplier (BT-29 / BT-30 / BT-31)."""

    scheme: str = Field(
        min_length=1, max_length=8,
        description="0106 KvK number, 0190 OIN, 0088 GLN, VAT (BT-31 VAT id), or another ISO 6523 ICD code.",
    )
    value: str = Field(min_length=1, max_length=100, description="The identifier (checked per scheme).")

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, v: str, info: ValidationInfo) -> str:
        v = v.upper()
        lists = _lists(info)
        if v in ids.KNOWN_SCHEMES or lists is None or v in lists.icd:
            return v
        raise PydanticCustomError(
            "unknown_scheme", "scheme {scheme} is neither VAT nor an ISO 6523 ICD code (0106, 0190, 0088, ...)",
            {"scheme": v},
        )

    @model_validator(mode="after")
    def _check_value(self) -> IdentifierIn:
        try:
            self.value = ids.check(self.scheme, self.value)
        except ids.IdentifierError as exc:
            raise PydanticCustomError("invalid_identifier", "{scheme}: {reason}",
                                      {"scheme": self.scheme, "reason": str(exc)}) from None
        return self


class ElectronicAddressIn(_In):
    """BT-34 Seller electronic address (the Peppol participant id)."""

    scheme: str = Field(min_length=1, max_length=8, description="EAS code, e.g. 0106 (KvK), 0190 (OIN), 9944 (NL VAT).")
    value: str = Field(min_length=1, max_length=200)

    @field_validator("scheme")
    @classmethod
    def _scheme(cls, v: str, info: ValidationInfo) -> str:
        v = v.upper()
        lists = _lists(info)
        if lists is not None and v not in lists.eas:
            raise PydanticCustomError("unknown_scheme", "scheme {scheme} is not a Peppol EAS code", {"scheme": v})
        return v

    @model_validator(mode="after")
    def _check_value(self) -> ElectronicAddressIn:
        try:
            ids.check(self.scheme, self.value)  # 0106 / 0190 / 0088 / VAT values are checked
        except ids.IdentifierError as exc:
            raise PydanticCustomError("invalid_identifier", "{scheme}: {reason}",
                                      {"scheme": self.scheme, "reason": str(exc)}) from None
        self.value = ids.normalise_address(self.scheme, self.value)
        return self


class BankAccountIn(_In):
    """BT-84 Payment account identifier the ERP holds for this supplier: a new one becomes a proposal
    that a different person with the right verify_bank_accounts verifies."""

    iban: str = Field(min_length=1, max_length=50, description="IBAN (checked: country, length, mod 97).")
    note: str | None = Field(None, max_length=4000, description="Where the account comes from; recorded with "
                             "the proposal of a new account (default 'ERP sync').")

    @field_validator("iban")
    @classmethod
    def _iban(cls, v: str) -> str:
        try:
            return ids.check_iban(v)
        except ids.IdentifierError as exc:
            raise PydanticCustomError("invalid_iban", "{reason}", {"reason": str(exc)}) from None


class PolicyOverrides(_In):
    """Matching-policy overrides for this supplier (absent keys use the global policy)."""

    price_over_pct: NonNegative | None = Field(None, description="Unit price (BT-146/BT-149) may exceed the order price by this %.")
    price_under_pct: NonNegative | None = Field(None, description="Unit price may be this % under the order price (absent: any lower price passes).")
    quantity_over_pct: NonNegative | None = Field(None, description="Cumulative invoiced quantity may exceed ordered/received by this %.")
    total_abs: NonNegative | None = Field(None, description="Document total (BT-112) may differ from the expected total by this amount.")
    charge_abs: NonNegative | None = Field(None, description="Document-level charges not on the order pass up to this amount.")
    receipt_mode: Literal["line", "two_way", "three_way"] | None = Field(
        None, description="line: each order line says whether it needs a receipt; two_way / three_way: for all lines."
    )


class SupplierIn(_In):
    """A supplier as the ERP sends it (POST creates, PUT replaces)."""

    name: str = Field(min_length=1, max_length=500, description="BT-27 Seller name.")
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=50)
    electronic_address: ElectronicAddressIn | None = None
    bank_accounts: list[BankAccountIn] = Field(default_factory=list, max_length=50)
    policy: PolicyOverrides = Field(default_factory=PolicyOverrides)


class IdentifierOut(BaseModel):
    scheme: str
    value: str


class BankAccountOut(BaseModel):
    iban: str


class PendingBankAccountOut(BaseModel):
    """A proposed bank-account change that waits for a different person to verify or reject it."""

    change_id: uuid.UUID = Field(description="POST /v1/bank-account-changes/{change_id}/verify (or /reject)")
    iban: str
    action: Literal["add", "remove"]
    status: Literal["proposed"] = "proposed"
    proposed_by: str
    proposed_at: datetime
    note: str | None = None


class SupplierOut(BaseModel):
    """A supplier with its identifiers, electronic address, known bank accounts and policy overrides."""

    id: uuid.UUID
    name: str = Field(description="BT-27 Seller name.")
    identifiers: list[IdentifierOut]
    electronic_address: IdentifierOut | None = Field(None, description="BT-34 Seller electronic address.")
    bank_accounts: list[BankAccountOut] = Field(description="BT-84 payment accounts known for this supplier: the "
                                                "verified ones, which matching's bank check accepts.")
    pending_bank_accounts: list[PendingBankAccountOut] = Field(
        default_factory=list, description="Proposed additions and removals of bank accounts (from the ERP sync "
        "or a reviewer) that a different person with the right verify_bank_accounts has not decided yet.")
    policy: dict[str, Any] = Field(description="Matching-policy overrides (decimals as strings).")
    version: int = Field(description="Bumped on every change.")
    created_at: datetime
    updated_at: datetime


class SupplierList(BaseModel):
    data: list[SupplierOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last page.")


# --- purchase orders -------------------------------------------------------------------------------


class ItemIn(_In):
    name: str = Field(min_length=1, max_length=500, description="BT-153 Item name.")
    seller_item_id: str | None = Field(None, max_length=200, description="BT-155 Item Seller's identifier.")
    standard_item_id: str | None = Field(None, max_length=200, description="BT-157 Item standard identifier (GTIN, scheme 0160).")


class OrderLineIn(_In):
    line_id: str = Field(min_length=1, max_length=100, description="Order line id (what BT-132 refers to).")
    item: ItemIn
    quantity: PositiveDecimal = Field(description="Ordered quantity (compared with BT-129).")
    unit_code: str = Field(min_length=1, max_length=8, description="BT-130 unit of measure (UN/ECE Rec 20).")
    unit_price: PositiveDecimal = Field(description="BT-146 Item net price per base quantity.")
    base_quantity: PositiveDecimal = Field(Decimal(1), description="BT-149 Item price base quantity.")
    vat_category: str = Field(min_length=1, max_length=4, description="BT-151 VAT category code (UNCL 5305).")
    vat_rate: Percent = Field(description="BT-152 VAT rate in %.")
    receipt_required: bool = Field(False, description="The line needs a goods receipt (3-way match).")

    @field_validator("unit_code")
    @classmethod
    def _unit(cls, v: str, info: ValidationInfo) -> str:
        lists = _lists(info)
        if lists is not None and v not in lists.units:
            raise PydanticCustomError("unknown_unit_code", "unit code {code} is not in UN/ECE Rec 20/21", {"code": v})
        return v

    @field_validator("vat_category")
    @classmethod
    def _category(cls, v: str, info: ValidationInfo) -> str:
        v = v.upper()
        lists = _lists(info)
        if lists is not None and v not in lists.vat_categories:
            raise PydanticCustomError("unknown_vat_category", "VAT category {code} is not in UNCL 5305", {"code": v})
        return v

    @field_validator("vat_rate")
    @classmethod
    def _rate_fits_category(cls, v: Decimal, info: ValidationInfo) -> Decimal:
        category = info.data.get("vat_category")
        if category == "S" and v <= 0:
            raise PydanticCustomError("vat_rate_mismatch", "VAT category S (standard rated) needs a rate above 0")
        if category in _ZERO_RATE_CATEGORIES and v != 0:
            raise PydanticCustomError("vat_rate_mismatch", "VAT category {c} has rate 0", {"c": category})
        return v


class PurchaseOrderIn(_In):
    """A purchase order (JSON). The UBL Order XML maps onto the same fields."""

    number: str = Field(min_length=1, max_length=200, description="Order number (what BT-13 refers to); unique.")
    supplier_id: uuid.UUID = Field(description="The supplier (seller) the order was placed with.")
    currency: str = Field(min_length=3, max_length=3, description="BT-5 currency (ISO 4217).")
    buyer_reference: str | None = Field(None, max_length=200, description="BT-10 Buyer reference.")
    status: Literal["open", "closed"] = Field("open", description="Closed orders are not matched any more.")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=10_000)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str, info: ValidationInfo) -> str:
        v = v.upper()
        lists = _lists(info)
        if lists is not None and v not in lists.currencies:
            raise PydanticCustomError("unknown_currency", "currency {code} is not in ISO 4217", {"code": v})
        return v


class ItemOut(BaseModel):
    name: str = Field(description="BT-153 Item name.")
    seller_item_id: str | None = Field(None, description="BT-155 Item Seller's identifier.")
    standard_item_id: str | None = Field(None, description="BT-157 Item standard identifier.")


class OrderLineOut(BaseModel):
    line_id: str
    item: ItemOut
    quantity: Decimal = Field(description="Ordered quantity.")
    unit_code: str = Field(description="BT-130 unit of measure (UN/ECE Rec 20).")
    unit_price: Decimal = Field(description="BT-146 Item net price.")
    base_quantity: Decimal = Field(description="BT-149 Item price base quantity.")
    vat_category: str = Field(description="BT-151 VAT category code.")
    vat_rate: Decimal = Field(description="BT-152 VAT rate.")
    receipt_required: bool
    received_quantity: Decimal = Field(description="Cumulative quantity received on this line (returns subtracted).")


class PurchaseOrderOut(BaseModel):
    """A purchase order: the requested (by default the current) version and its lines."""

    number: str
    supplier_id: uuid.UUID
    currency: str = Field(description="BT-5 currency.")
    buyer_reference: str | None = Field(None, description="BT-10 Buyer reference.")
    status: Literal["open", "closed"]
    version: int = Field(description="The version shown.")
    current_version: int = Field(description="The order's latest version.")
    source: str = Field(description="json, or order (UBL Order XML).")
    lines: list[OrderLineOut]
    created_at: datetime = Field(description="When the order was first loaded.")
    updated_at: datetime
    version_created_at: datetime


class PurchaseOrderSummary(BaseModel):
    number: str
    supplier_id: uuid.UUID
    currency: str
    buyer_reference: str | None = None
    status: Literal["open", "closed"]
    current_version: int
    line_count: int
    created_at: datetime
    updated_at: datetime


class PurchaseOrderList(BaseModel):
    data: list[PurchaseOrderSummary]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last page.")


class BatchItemResult(BaseModel):
    index: int = Field(description="Position of the order in the request (0-based).")
    number: str | None = None
    outcome: Literal["created", "updated", "unchanged", "invalid"]
    version: int | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list, description="{loc, msg, type} per problem.")


class BatchResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    invalid: int
    results: list[BatchItemResult]


# --- goods receipts --------------------------------------------------------------------------------


class ReceiptLineIn(_In):
    po_line_id: str = Field(min_length=1, max_length=100, description="The order line received.")
    quantity: Quantity = Field(description="Received quantity; negative for a return.")
    unit_code: str | None = Field(None, max_length=8, description="Optional; must equal the order line's unit.")

    @field_validator("quantity")
    @classmethod
    def _non_zero(cls, v: Decimal) -> Decimal:
        if v == 0:
            raise PydanticCustomError("zero_quantity", "a receipt line quantity cannot be 0")
        return v


class GoodsReceiptIn(_In):
    """A goods receipt (JSON); ReceiptAdvice / DespatchAdvice XML map onto the same fields."""

    receipt_id: str = Field(min_length=1, max_length=200, description="Unique id of the receipt (idempotency key).")
    po_number: str = Field(min_length=1, max_length=200, description="The order received against.")
    date: dt.date = Field(description="Date of receipt.")
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=10_000)


class ReceiptLineOut(BaseModel):
    po_line_id: str
    quantity: Decimal
    unit_code: str | None = None


class GoodsReceiptOut(BaseModel):
    receipt_id: str
    po_number: str
    date: dt.date
    source: str = Field(description="json, receipt_advice or despatch_advice.")
    lines: list[ReceiptLineOut]
    created_at: datetime


class GoodsReceiptList(BaseModel):
    data: list[GoodsReceiptOut]
    next_cursor: str | None = None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every ``$ref`` resolved in place (for ``openapi_extra`` bodies)."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and len(node) == 1:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)
