"""Ten weeks in the life of the demo municipality, as a list of dated steps.

Suppliers are registered, purchase orders placed, goods received, invoices and credit notes sent,
and finance staff and the ERP act on them, in the order a real organisation would. Most invoices
match their order and are approved by the machine; the others carry the deviations a finance
department sees every week (a price above the order, more than was ordered or received, goods
not yet received, an unknown bank account, a unit that does not convert, a line not on the order,
a closed or unknown order, a missing order reference, an unknown supplier, a suspected duplicate),
plus documents that are rejected outright (totals that do not add up, a number sent twice).

Each document carries the story it was written for (`intent`), but nothing here decides an
outcome: the loader sends every document through the service and the matching engine decides.
Deterministic for a seed and a reference time. Pure: no database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from service.demo.ubl import Document, Line, money, to_xml
from service.demo.world import BUYER, DEPARTMENTS, NEWCOMER, SUPPLIERS, Item, Supplier, iban

D = Decimal
WEEKS = 10

# Deviations an order's invoices may carry (weights out of 100; the rest match cleanly).
DEVIATIONS = {
    "price_variance": 7, "quantity_exceeds_ordered": 5, "not_received": 7, "quantity_exceeds_received": 4,
    "bank_account_unverified": 3, "unit_mismatch": 2, "line_not_matched": 3, "po_closed": 2,
    "duplicate_suspected": 2, "po_not_found": 2,
}
# What staff do with an invoice under review, by the story it was written for.
STAFF_CHOICES = {
    "price_variance": (("approve", "Prijsverhoging per 1-10 is met de leverancier afgesproken."),
                       ("reject", "Prijs wijkt af van de order; graag crediteren en opnieuw factureren.")),
    "quantity_exceeds_ordered": (("reject", "Meer gefactureerd dan besteld."),
                                 ("approve", "Meerwerk telefonisch akkoord gegeven door de budgethouder.")),
    "quantity_exceeds_received": (("hold", "Wacht op tweede levering."),),
    "not_received": (("approve", "Levering gecontroleerd op locatie."),),
    "bank_account_unverified": (("hold", "Nieuw rekeningnummer: eerst bij de leverancier verifiëren."),),
    "unit_mismatch": (("approve", "Eenheid anders genoteerd, hoeveelheid klopt."),),
    "line_not_matched": (("approve", "Artikel vervangen door gelijkwaardig artikel, akkoord budgethouder."),
                         ("reject", "Artikel niet besteld.")),
    "po_closed": (("reject", "Order is afgesloten; factuur hoort bij een nieuwe order."),),
    "duplicate_suspected": (("reject", "Dubbel gefactureerd onder een ander nummer."),),
    "po_not_found": (("approve", "Ordernummer verkeerd overgenomen; juiste order gecontroleerd."),),
    "po_reference_missing": (("approve", "Vast contract waterkoeler, geen order nodig."),),
    "supplier_unknown": (("hold", "Leverancier wordt aangemaakt in de crediteurenadministratie."),),
}
STAFF = ("anna.devries", "piet.jansen", "fatima.elamrani")


@dataclass
class OrderLinePlan:
    line_id: str
    item: Item
    quantity: Decimal
    receipt_required: bool


@dataclass
class OrderPlan:
    number: str
    supplier: Supplier
    department: str
    lines: list[OrderLinePlan]

    def master_data(self, supplier_id: str) -> dict[str, Any]:
        """The body an ERP would POST to /v1/purchase-orders."""
        return {"number": self.number, "supplier_id": supplier_id, "currency": "EUR",
                "buyer_reference": self.department, "status": "open",
                "lines": [{"line_id": ln.line_id, "item": {"name": ln.item.name, "seller_item_id": ln.item.sku},
                           "quantity": str(ln.quantity), "unit_code": ln.item.unit, "unit_price": str(ln.item.price),
                           "vat_category": "S", "vat_rate": str(ln.item.vat_rate),
                           "receipt_required": ln.receipt_required} for ln in self.lines]}


@dataclass
class Step:
    at: datetime
    kind: str  # supplier | order | receipt | close | document | review | book | pay
    data: Any
    seq: int = 0  # keeps the planned order of steps at the same moment


@dataclass
class DocumentPlan:
    document: Document
    supplier: Supplier
    intent: str  # the story it was written for: clean, credit_note, price_variance, ...

    @property
    def xml(self) -> bytes:
        return to_xml(self.document)


@dataclass
class Plan:
    now: datetime
    steps: list[Step] = field(default_factory=list)

    def documents(self) -> list[DocumentPlan]:
        return [s.data for s in self.steps if s.kind == "document"]


class Planner:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now.astimezone(UTC)
        self.start = (self.now - timedelta(weeks=WEEKS)).date()
        self.plan = Plan(now=self.now)
        self._seq = 0
        self._order_no = 0
        self._invoice_no: dict[str, int] = {}

    # --- time ------------------------------------------------------------------------------------

    def workday(self, day: date, *, hour: tuple[int, int] = (8, 17)) -> datetime:
        """A moment on ``day`` (moved to the next weekday) in office hours, Amsterdam ~ UTC+1."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        minutes = self.rng.randrange(hour[0] * 60, hour[1] * 60)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=UTC) - timedelta(hours=1)

    def later(self, at: datetime, days: tuple[int, int]) -> datetime:
        return self.workday(at.date() + timedelta(days=self.rng.randint(*days)))

    def add(self, at: datetime, kind: str, data: Any) -> bool:
        """Plan a step; steps that would lie in the future are left out (the demo ends now)."""
        if at >= self.now - timedelta(minutes=5):
            return False
        self._seq += 1
        self.plan.steps.append(Step(at, kind, data, self._seq))
        return True

    # --- documents ---------------------------------------------------------------------------------

    def number(self, supplier: Supplier) -> str:
        self._invoice_no[supplier.key] = self._invoice_no.get(supplier.key, 0) + 1
        prefix = supplier.name.split()[0][:3].upper()
        return f"{prefix}-{self.start.year}-{self._invoice_no[supplier.key] + 100:04d}"

    def document(self, at: datetime, supplier: Supplier, lines: list[Line], intent: str, *,
                 order: OrderPlan | None, **changes: Any) -> DocumentPlan | None:
        doc = Document(number=self.number(supplier), issue_date=at.date(), seller=supplier.party, buyer=BUYER,
                       lines=tuple(lines), iban=supplier.iban,
                       buyer_reference=order.department if order else self.rng.choice(DEPARTMENTS),
                       order_number=order.number if order else None)
        doc = replace(doc, **changes)
        planned = DocumentPlan(doc, supplier, intent)
        return planned if self.add(at, "document", planned) else None

    def follow_up(self, planned: DocumentPlan | None, at: datetime) -> None:
        """What people do afterwards: review a deviation (unless it is still recent), book, pay."""
        if planned is None:
            return
        decided = at
        choices = STAFF_CHOICES.get(planned.intent)
        if choices:
            review_at = self.later(at, (1, 8))
            # The last ten days' deviations, and some older ones, still wait in the queue.
            if review_at < self.now - timedelta(days=10) and self.rng.random() < 0.8:
                action, text = self.rng.choice(choices)
                self.add(review_at, "review", (planned, action, self.rng.choice(STAFF), text))
                decided = review_at
        booked = self.later(decided, (2, 6))
        if self.add(booked, "book", planned):
            self.add(self.later(booked, (8, 30)), "pay", planned)

    # --- the ten weeks -------------------------------------------------------------------------------

    def build(self) -> Plan:
        first = self.workday(self.start - timedelta(days=7))
        for supplier in SUPPLIERS:
            self.add(first, "supplier", supplier)
        for supplier in SUPPLIERS:
            if supplier.weekly:
                self.framework(supplier)
            else:
                for _ in range(self.rng.randint(30, 36)):
                    self.goods_order(supplier)
        self.without_order()
        self.newcomer()
        self.rejected_outright()
        self.plan.steps.sort(key=lambda s: (s.at, s.seq))
        return self.plan

    def new_order(self, supplier: Supplier, items: list[Item], quantities: list[Decimal]) -> OrderPlan:
        self._order_no += 1
        return OrderPlan(
            number=f"{self.start.year}/INK/{self._order_no:04d}", supplier=supplier,
            department=self.rng.choice(DEPARTMENTS),
            lines=[OrderLinePlan(str(i), item, qty, supplier.goods) for i, (item, qty) in
                   enumerate(zip(items, quantities), 1)])

    def goods_order(self, supplier: Supplier) -> None:
        items = self.rng.sample(supplier.items, self.rng.randint(1, min(3, len(supplier.items))))
        quantities = [D(self.rng.choice((2, 4, 5, 10, 12, 20, 25, 40, 50))) for _ in items]
        order = self.new_order(supplier, items, quantities)
        ordered_at = self.workday(self.start + timedelta(days=self.rng.randint(0, WEEKS * 7 - 10)))
        if not self.add(ordered_at, "order", order):
            return
        deviation = self.rng.choices([*DEVIATIONS, "clean"], [*DEVIATIONS.values(),
                                                           100 - sum(DEVIATIONS.values())])[0]
        received_at = self.later(ordered_at, (2, 6))
        invoiced_at = self.later(received_at, (1, 5))
        full = {ln.line_id: ln.quantity for ln in order.lines}
        if deviation == "quantity_exceeds_received":
            part = {k: (q / 2).to_integral_value() or D(1) for k, q in full.items()}
            self.add(received_at, "receipt", (order, part, "a"))
            self.follow_up(self.document(invoiced_at, supplier, self.lines(order, full), deviation, order=order),
                           invoiced_at)
            self.add(self.later(invoiced_at, (3, 9)), "receipt", (order, {k: full[k] - part[k] for k in full}, "b"))
            return
        if deviation == "not_received":
            self.follow_up(self.document(invoiced_at - timedelta(days=3), supplier, self.lines(order, full),
                                         deviation, order=order), invoiced_at - timedelta(days=3))
            self.add(received_at + timedelta(days=self.rng.randint(1, 4)), "receipt", (order, full, "a"))
            return
        self.add(received_at, "receipt", (order, full, "a"))
        if deviation == "po_closed":
            self.add(self.later(received_at, (0, 1)), "close", order)
        # Larger orders are invoiced in two parts: quantities split over two invoices.
        split = len(order.lines) > 1 and self.rng.random() < 0.35
        parts = [order.lines[:1], order.lines[1:]] if split else [order.lines]
        for n, part_lines in enumerate(parts):
            at = invoiced_at + timedelta(days=7 * n)
            invoiced = {ln.line_id: ln.quantity for ln in part_lines}
            story = deviation if n == 0 else "clean"
            lines = self.deviate(self.lines(order, invoiced), story, supplier)
            changes: dict[str, Any] = {}
            if story == "bank_account_unverified":  # paid into an account master data does not know
                changes["iban"] = iban("BUNQ", f"{self.rng.randrange(10**9, 10**10)}")
            if story == "po_not_found":
                changes["order_number"] = order.number.replace("/INK/", "/INK/9")
            planned = self.document(at, supplier, lines, story, order=order, **changes)
            self.follow_up(planned, at)
            if story == "duplicate_suspected" and planned is not None:
                again = self.later(at, (5, 12))
                copy = self.document(again, supplier, lines, story, order=order,
                                     issue_date=planned.document.issue_date)
                self.follow_up(copy, again)
            if story == "clean" and planned is not None and self.rng.random() < 0.12:
                self.credit_note(planned, order, at)

    def lines(self, order: OrderPlan, quantities: dict[str, Decimal]) -> list[Line]:
        # Most suppliers quote our order line (BT-132); one in three only their article number.
        refer = self.rng.random() < 0.7
        return [Line(str(i), ln.item.name, quantities[ln.line_id], ln.item.unit, ln.item.price,
                     vat_rate=ln.item.vat_rate, order_line=ln.line_id if refer else None,
                     seller_item_id=ln.item.sku)
                for i, ln in enumerate((ln for ln in order.lines if ln.line_id in quantities), 1)]

    def deviate(self, lines: list[Line], story: str, supplier: Supplier) -> list[Line]:
        first, rest = lines[0], lines[1:]
        if story == "price_variance":
            first = replace(first, price=money(first.price * D(self.rng.choice(("1.05", "1.08", "1.12")))))
        elif story == "quantity_exceeds_ordered":
            first = replace(first, quantity=first.quantity + self.rng.choice((1, 2, 5)))
        elif story == "unit_mismatch":
            first = replace(first, unit_code="KGM" if first.unit_code != "KGM" else "LTR")
        elif story == "line_not_matched":
            others = [i for i in supplier.items if i.sku != first.seller_item_id]
            extra = self.rng.choice(others) if others else supplier.items[0]
            rest = [*rest, Line(str(len(lines) + 1), f"{extra.name} (vervangend)", D(1), extra.unit,
                                extra.price, vat_rate=extra.vat_rate, seller_item_id=extra.sku + "-ALT")]
        return [first, *rest]

    def credit_note(self, invoice: DocumentPlan, order: OrderPlan, at: datetime) -> None:
        line = invoice.document.lines[0]
        back = max(D(1), (line.quantity / 5).to_integral_value())
        credit_at = self.later(at, (4, 12))
        credited = replace(line, quantity=back, line_id="1")
        planned = self.document(credit_at, invoice.supplier, [credited], "credit_note", order=order,
                                credit_note=True, preceding_invoice=invoice.document.number,
                                note="Retour: beschadigd geleverd")
        self.follow_up(planned, credit_at)

    def framework(self, supplier: Supplier) -> None:
        """Services on a framework order: hours invoiced every week against one order per quarter."""
        order = self.new_order(supplier, list(supplier.items), [D(600)] * len(supplier.items))
        if not self.add(self.workday(self.start - timedelta(days=3)), "order", order):
            return
        week_start = self.start + timedelta(days=(7 - self.start.weekday()) % 7)
        for week in range(WEEKS):
            for visit in range(self.rng.choice((1, 2))):  # one invoice per site visited that week
                at = self.workday(week_start + timedelta(days=7 * week + 2 * visit + self.rng.randint(0, 1)))
                hours = {ln.line_id: D(self.rng.choice((4, 6, 8, 12, 16))) for ln in order.lines
                         if self.rng.random() < 0.7} or {"1": D(8)}
                story = "price_variance" if self.rng.random() < 0.06 else "clean"
                lines = self.deviate(self.lines(order, hours), story, supplier)
                self.follow_up(self.document(at, supplier, lines, story, order=order), at)

    def without_order(self) -> None:
        """The water cooler is rented without an order: every month, PO_REFERENCE_MISSING."""
        catering = next(s for s in SUPPLIERS if s.key == "catering")
        rent = next(i for i in catering.items if i.unit == "MON")
        for month in range(3):
            at = self.workday(self.start + timedelta(days=3 + 30 * month))
            line = Line("1", rent.name, D(1), rent.unit, rent.price, vat_rate=rent.vat_rate, seller_item_id=rent.sku)
            self.follow_up(self.document(at, catering, [line], "po_reference_missing", order=None), at)

    def newcomer(self) -> None:
        """A supplier the ERP does not know yet sends invoices for an event (no order either)."""
        for n in range(3):
            at = self.workday(self.now.date() - timedelta(days=14 - 6 * n))
            item = NEWCOMER.items[n % len(NEWCOMER.items)]
            line = Line("1", item.name, D(1), item.unit, item.price, seller_item_id=item.sku)
            self.follow_up(self.document(at, NEWCOMER, [line], "supplier_unknown", order=None,
                                         order_number=f"{self.start.year}/INK/EVENT"), at)

    def rejected_outright(self) -> None:
        """Documents the service rejects: totals that do not add up, and a number sent twice."""
        office = next(s for s in SUPPLIERS if s.key == "office")
        item = office.items[0]
        for n in range(2):
            at = self.workday(self.start + timedelta(days=20 + 25 * n))
            line = Line("1", item.name, D(10), item.unit, item.price, seller_item_id=item.sku)
            bad = self.document(at, office, [line], "totals_do_not_add_up", order=None,
                                order_number=f"{self.start.year}/INK/0001")
            if bad is not None:  # BR-CO-15: the total with VAT is not the total without VAT plus VAT
                total = bad.document.totals()
                bad.document = replace(bad.document, totals_override={
                    "tax_inclusive": total["tax_inclusive"] + D("10.00"),
                    "payable": total["payable"] + D("10.00")})
        print_shop = next(s for s in SUPPLIERS if s.key == "print")
        for n in range(2):
            earlier = [s.data for s in self.plan.steps if s.kind == "document" and s.data.supplier is print_shop
                       and s.data.intent == "clean"]
            if len(earlier) <= n:
                return
            first = earlier[n]
            again = self.later(datetime.combine(first.document.issue_date, time(9), tzinfo=UTC), (2, 5))
            resent = replace(first.document, note="Herinnering / reminder")
            self.add(again, "document", DocumentPlan(resent, print_shop, "duplicate_invoice"))


def build_plan(seed: int = 2026, now: datetime | None = None) -> Plan:
    return Planner(seed, now or datetime.now(UTC)).build()
