"""Pairing invoice lines with order lines (pure, linear in the number of lines).

Order of preference (DESIGN.md): BT-132 (referenced order line) when given; otherwise the seller's
item id (BT-155), then the standard item id (BT-157); otherwise the item name (BT-153), narrowed by
price when several order lines carry that name. Several candidates left is ``ambiguous``: never a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from service.matching import units
from service.matching.types import InvoiceLine, OrderLine
from service.matching.units import conversion_factor

# How people list several order lines in one BT-132: "10, 20", "10/20", "10+20", "10 en 20".
_SEVERAL = re.compile(r"\s*[,;/+&]\s*|\s+(?:en|and|und|et)\s+|\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Pairing:
    invoice_line: InvoiceLine
    order_line: OrderLine | None
    method: str  # manual | order_line_ref | order_line_refs | seller_item_id | standard_item_id | name | name_price | none
    candidates: tuple[str, ...] = ()  # order line ids considered when ambiguous

    @property
    def status(self) -> str:
        if self.order_line is not None:
            return "matched"
        return "ambiguous" if len(self.candidates) > 1 else "not_matched"


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def invoice_unit_price_in_order_unit(line: InvoiceLine, order_line: OrderLine,
                                     table: units.Table = units.CURRENT) -> Decimal | None:
    """BT-146 / BT-149 expressed per order unit, or None when the units do not convert."""
    factor = conversion_factor(line.unit_code, order_line.unit_code, table)
    if factor is None or not line.base_quantity:
        return None
    return line.net_price / line.base_quantity / factor


def order_unit_price(order_line: OrderLine) -> Decimal:
    return order_line.unit_price / (order_line.base_quantity or Decimal(1))


class LinePairer:
    """Indexes the order lines once; ``pair`` is O(1) per invoice line on average."""

    def __init__(self, order_lines: tuple[OrderLine, ...], price_over_pct: Decimal, *,
                 table: units.Table = units.CURRENT, flag_several: bool = True,
                 manual: dict[str, str] | None = None) -> None:
        self.table, self.flag_several = table, flag_several
        self.manual = manual or {}  # invoice line -> order line, paired by a person: wins over every rule
        self.by_id: dict[str, OrderLine] = {}
        self.by_seller: dict[str, list[OrderLine]] = defaultdict(list)
        self.by_standard: dict[str, list[OrderLine]] = defaultdict(list)
        self.by_name: dict[str, list[OrderLine]] = defaultdict(list)
        self.price_over_pct = price_over_pct
        for ol in order_lines:
            self.by_id[ol.line_id.strip()] = ol
            if ol.seller_item_id:
                self.by_seller[ol.seller_item_id.strip()].append(ol)
            if ol.standard_item_id:
                self.by_standard[ol.standard_item_id.strip()].append(ol)
            if ol.name:
                self.by_name[_norm(ol.name)].append(ol)

    def _price_fits(self, line: InvoiceLine, ol: OrderLine) -> bool:
        price = invoice_unit_price_in_order_unit(line, ol, self.table)
        if price is None:
            return False
        expected = order_unit_price(ol)
        return abs(price - expected) <= expected * self.price_over_pct / 100

    def _narrow(self, line: InvoiceLine, found: list[OrderLine], method: str) -> Pairing:
        if len(found) == 1:
            return Pairing(line, found[0], method)
        fitting = [ol for ol in found if self._price_fits(line, ol)]
        if len(fitting) == 1:
            return Pairing(line, fitting[0], f"{method}_price")
        return Pairing(line, None, method, tuple(sorted(ol.line_id for ol in found)))

    def pair(self, line: InvoiceLine) -> Pairing:
        by_hand = self.manual.get(line.line_id)
        if by_hand is not None and by_hand in self.by_id:
            return Pairing(line, self.by_id[by_hand], "manual")
        ref = (line.order_line_ref or "").strip()
        if ref:
            found = self.by_id.get(ref)
            if found is None and self.flag_several:
                named = tuple(dict.fromkeys(p for p in _SEVERAL.split(ref) if p in self.by_id))
                if len(named) > 1:  # one invoice line for several order lines: flagged, never split
                    return Pairing(line, None, "order_line_refs", tuple(sorted(named)))
            return Pairing(line, found, "order_line_ref")
        for method, key, index in (
            ("seller_item_id", line.seller_item_id, self.by_seller),
            ("standard_item_id", line.standard_item_id, self.by_standard),
        ):
            if key and (candidates := index.get(key.strip())):
                if len(candidates) > 1 and method == "seller_item_id" and line.standard_item_id:
                    narrowed = [ol for ol in candidates
                                if (ol.standard_item_id or "").strip() == line.standard_item_id.strip()]
                    candidates = narrowed or candidates
                return self._narrow(line, candidates, method)
        if candidates := self.by_name.get(_norm(line.name)):
            return self._narrow(line, candidates, "name")
        return Pairing(line, None, "none")
