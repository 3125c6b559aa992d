"""Purchase orders and the steps of a corpus story (what an ERP and suppliers send, with labels)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.matching_corpus.documents import DocLine, SupplierSpec

@dataclass
class PoLine:
    line_id: str
    name: str
    quantity: Decimal
    unit: str = "C62"
    price: Decimal = Decimal("10.00")
    base: Decimal = Decimal(1)
    vat_rate: Decimal = Decimal(21)
    receipt_required: bool = False
    seller_item_id: str | None = None
    gtin: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"line_id": self.line_id,
                "item": {"name": self.name, "seller_item_id": self.seller_item_id, "standard_item_id": self.gtin},
                "quantity": str(self.quantity), "unit_code": self.unit, "unit_price": str(self.price),
                "base_quantity": str(self.base), "vat_category": "S" if self.vat_rate > 0 else "Z",
                "vat_rate": str(self.vat_rate), "receipt_required": self.receipt_required}

    def invoice_line(self, line_id: str, quantity: Decimal | None = None, *, ref: bool = True, **kw) -> DocLine:
        base = kw.pop("base", self.base if self.base != 1 else None)
        return DocLine(line_id=line_id, quantity=self.quantity if quantity is None else quantity,
                       unit=kw.pop("unit", self.unit), price=kw.pop("price", self.price), name=kw.pop("name", self.name),
                       base=base, order_line=self.line_id if ref else None, vat_rate=kw.pop("vat_rate", self.vat_rate),
                       seller_item_id=kw.pop("seller_item_id", None), gtin=kw.pop("gtin", None), **kw)


@dataclass
class Order:
    number: str
    supplier: SupplierSpec
    lines: list[PoLine]
    currency: str = "EUR"
    status: str = "open"

    def payload(self) -> dict[str, Any]:
        return {"number": self.number, "supplier_id": None, "currency": self.currency,
                "buyer_reference": "GEMEENTE-INKOOP", "status": self.status,
                "lines": [ln.payload() for ln in self.lines]}


# --- steps and stories ---------------------------------------------------------------------------


@dataclass
class Step:
    kind: str  # supplier | order | receipt | standing_order | document
    case: str
    payload: dict[str, Any] | None = None
    supplier: str | None = None  # supplier key whose id the payload needs
    xml: bytes | None = None
    key: str | None = None  # document key (for final-status checks)
    expect_status: str | None = None  # approved | needs_review | rejected (right after posting)
    expect_codes: tuple[str, ...] = ()
    final_status: str | None = None  # status once the whole corpus has run
    credit_note: bool = False
