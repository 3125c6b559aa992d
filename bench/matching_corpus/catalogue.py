"""The catalogue of corpus stories: the basic cases of matching (clean 2- and 3-way, prices,
quantities, receipts, standing orders, credit notes, duplicates ...) and, from ``categories``, the
robustness categories of issue #15."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from bench.matching_corpus.categories import CATEGORIES, RobustnessCases
from bench.matching_corpus.documents import Doc, DocLine, SupplierSpec, _btw, _gtin, _iban, _kvk, r2
from bench.matching_corpus.orders import Order, PoLine, Step


class Corpus(RobustnessCases):
    """Builds stories; ``steps`` is the ordered list to replay against a service."""

    def __init__(self, seed: int = 2026, suppliers: int = 12) -> None:
        self.rnd = random.Random(seed)
        self.steps: list[Step] = []
        self.suppliers = [SupplierSpec(f"S{i}", f"Leverancier {i} B.V.", _kvk(self.rnd), _btw(self.rnd),
                                       _iban(self.rnd)) for i in range(suppliers)]
        self.stranger = SupplierSpec("X", "Onbekende Handel B.V.", _kvk(self.rnd), _btw(self.rnd), _iban(self.rnd),
                                     known=False)
        for s in self.suppliers:
            self.steps.append(Step("supplier", "setup", payload=s.payload(), supplier=s.key))
        self.n = 0
        self.day = date(2026, 1, 5)
        self.signatures: set[tuple] = set()

    # helpers
    def _next(self) -> int:
        self.n += 1
        return self.n

    def _date(self) -> date:
        self.day += timedelta(days=1) if self.rnd.random() < 0.05 else timedelta(0)
        return self.day

    def _supplier(self) -> SupplierSpec:
        return self.rnd.choice(self.suppliers)

    def _po_lines(self, n: int, receipt: bool = False, unit: str = "C62") -> list[PoLine]:
        lines = []
        for i in range(1, n + 1):
            qty = Decimal(self.rnd.choice([10, 20, 25, 40, 50, 100, 120, 200, 500]))
            price = Decimal(self.rnd.randint(150, 25000)) / 100
            lines.append(PoLine(str(i * 10), f"Artikel {self.n}-{i} {self.rnd.choice(['stoel', 'papier', 'toner', 'kabel', 'lamp', 'bureau'])}",
                                qty, unit, price, receipt_required=receipt))
        return lines

    def order(self, case: str, supplier: SupplierSpec, lines: list[PoLine], **kw) -> Order:
        o = Order(f"PO-{case.replace('.', '-')[:10].upper()}-{self._next():05d}", supplier, lines, **kw)
        self.steps.append(Step("order", case, payload=o.payload(), supplier=supplier.key))
        return o

    def receipt(self, case: str, order: Order, quantities: dict[str, Decimal]) -> None:
        self.steps.append(Step("receipt", case, payload={
            "receipt_id": f"GR-{self._next():06d}", "po_number": order.number, "date": self.day.isoformat(),
            "lines": [{"po_line_id": k, "quantity": str(v)} for k, v in quantities.items()]}))

    def document(self, case: str, doc: Doc, status: str, codes: tuple[str, ...] = (), final: str | None = None,
                 *, same_as_before: bool = False) -> Doc:
        # Same seller + BT-112 + BT-2 under another number is a suspected duplicate: only the cases
        # that mean it may produce one; the others move to the next free day.
        while not same_as_before and ((doc.supplier.key, doc.credit_note, doc.issue_date,
                                              doc.totals()["incl"])) in self.signatures:
            doc.issue_date += timedelta(days=1)
        self.signatures.add((doc.supplier.key, doc.credit_note, doc.issue_date, doc.totals()["incl"]))
        key = f"{doc.supplier.key}/{doc.number}/{self.n}"
        self.steps.append(Step("document", case, xml=doc.to_xml(), supplier=doc.supplier.key, key=key,
                               expect_status=status, expect_codes=tuple(sorted(codes)), final_status=final or status,
                               credit_note=doc.credit_note))
        return doc

    def doc(self, supplier: SupplierSpec, lines: list[DocLine], po: str | None, **kw) -> Doc:
        return Doc(number=f"F{self._next():06d}", supplier=supplier, issue_date=self._date(), lines=lines, po=po, **kw)

    def invoice_for(self, order: Order, fractions: Decimal = Decimal(1), **kw) -> Doc:
        """An invoice for (a fraction of) every order line; ``po=`` writes BT-13 otherwise (or None)."""
        po = kw.pop("po", order.number)
        # NL-R-009: a line may name its order line (BT-132) only when the document names the order
        lines = [pl.invoice_line(str(i), r2(pl.quantity * fractions), ref=po is not None)
                 for i, pl in enumerate(order.lines, 1)]
        return self.doc(order.supplier, lines, po, **kw)

    # --- the catalogue ------------------------------------------------------------------------
    def clean_2way(self):
        o = self.order("clean_2way", self._supplier(), self._po_lines(self.rnd.randint(1, 10)))
        self.document("clean_2way", self.invoice_for(o), "approved")

    def clean_3way(self):
        o = self.order("clean_3way", self._supplier(), self._po_lines(self.rnd.randint(1, 6), receipt=True))
        self.receipt("clean_3way", o, {ln.line_id: ln.quantity for ln in o.lines})
        self.document("clean_3way", self.invoice_for(o), "approved")

    def partial_over_time(self):
        o = self.order("partial", self._supplier(), self._po_lines(self.rnd.randint(1, 4), receipt=True))
        self.receipt("partial", o, {ln.line_id: r2(ln.quantity * Decimal("0.4")) for ln in o.lines})
        self.document("partial", self.invoice_for(o, Decimal("0.4")), "approved")
        self.receipt("partial", o, {ln.line_id: ln.quantity - r2(ln.quantity * Decimal("0.4")) for ln in o.lines})
        lines = [pl.invoice_line(str(i), pl.quantity - r2(pl.quantity * Decimal("0.4"))) for i, pl in enumerate(o.lines, 1)]
        self.document("partial", self.doc(o.supplier, lines, o.number), "approved")

    def several_invoices(self):
        o = self.order("several", self._supplier(), self._po_lines(1))
        q = o.lines[0].quantity
        parts = [r2(q * Decimal("0.3")), r2(q * Decimal("0.25"))]
        parts.append(q - sum(parts))
        for p in parts:
            self.document("several", self.doc(o.supplier, [o.lines[0].invoice_line("1", p)], o.number), "approved")

    def price(self):
        o = self.order("price", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        choice = self.rnd.choice(["under", "within", "over"])
        factor = {"under": Decimal("0.95"), "within": Decimal("1.015"), "over": Decimal("1.05")}[choice]
        price = (pl.price * factor).quantize(Decimal("0.0001"))
        doc = self.doc(o.supplier, [pl.invoice_line("1", price=price)], o.number)
        if choice == "over":
            self.document("price_over", doc, "needs_review", ("PRICE_VARIANCE",))
        else:
            self.document(f"price_{choice}", doc, "approved")

    def price_per_base(self):
        s = self._supplier()
        pl = PoLine("1", "Enveloppen C5", Decimal(5000), "C62", Decimal("2.50"), base=Decimal(100))
        o = self.order("price_base", s, [pl])
        if self.rnd.random() < 0.5:  # per 100, as the order
            line = pl.invoice_line("1", Decimal(2000), price=Decimal("2.50"), base=Decimal(100))
        else:  # per piece
            line = pl.invoice_line("1", Decimal(2000), price=Decimal("0.025"), base=None)
        self.document("price_base", self.doc(s, [line], o.number), "approved")

    def units(self):
        s = self._supplier()
        kind = self.rnd.choice(["kg-g", "m-cm", "l-ml", "ea-c62", "kg-l"])
        if kind == "kg-g":
            pl = PoLine("1", "Strooizout", Decimal(500), "KGM", Decimal("0.80"))
            line = pl.invoice_line("1", Decimal(250000), unit="GRM", price=Decimal("0.0008"))
        elif kind == "m-cm":
            pl = PoLine("1", "Kabel", Decimal(100), "MTR", Decimal("3.00"))
            line = pl.invoice_line("1", Decimal(5000), unit="CMT", price=Decimal("0.03"))
        elif kind == "l-ml":
            pl = PoLine("1", "Reiniger", Decimal(20), "LTR", Decimal("4.00"))
            line = pl.invoice_line("1", Decimal(10000), unit="MLT", price=Decimal("0.004"))
        elif kind == "ea-c62":
            pl = PoLine("1", "Stoel", Decimal(12), "EA", Decimal("89.00"))
            line = pl.invoice_line("1", Decimal(12), unit="H87")
        else:
            pl = PoLine("1", "Reiniger", Decimal(20), "KGM", Decimal("4.00"))
            line = pl.invoice_line("1", Decimal(20), unit="LTR")
        o = self.order("units", s, [pl])
        doc = self.doc(s, [line], o.number)
        if kind == "kg-l":
            self.document("unit_mismatch", doc, "needs_review", ("UNIT_MISMATCH",))
        else:
            self.document("units_convert", doc, "approved")

    def quantity_over(self):
        o = self.order("qty", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        if self.rnd.random() < 0.5:
            self.document("qty_over_alone", self.doc(o.supplier, [pl.invoice_line("1", pl.quantity + 5)], o.number),
                          "needs_review", ("QUANTITY_EXCEEDS_ORDERED",))
        else:
            first = r2(pl.quantity * Decimal("0.6"))
            self.document("qty_over_cumul", self.doc(o.supplier, [pl.invoice_line("1", first)], o.number), "approved")
            second = r2(pl.quantity * Decimal("0.5"))  # 110 % in total (another amount: no duplicate)
            self.document("qty_over_cumul", self.doc(o.supplier, [pl.invoice_line("1", second)], o.number),
                          "needs_review", ("QUANTITY_EXCEEDS_ORDERED",))

    def not_received(self):
        o = self.order("not_recv", self._supplier(), self._po_lines(self.rnd.randint(1, 3), receipt=True))
        later = self.rnd.random() < 0.6
        self.document("not_received_later" if later else "not_received", self.invoice_for(o), "needs_review",
                      ("NOT_RECEIVED",), final="approved" if later else "needs_review")
        if later:
            self.receipt("received_later", o, {ln.line_id: ln.quantity for ln in o.lines})

    def over_received(self):
        o = self.order("over_recv", self._supplier(), self._po_lines(1, receipt=True))
        pl = o.lines[0]
        self.receipt("over_received", o, {pl.line_id: r2(pl.quantity / 2)})
        self.document("over_received", self.invoice_for(o), "needs_review", ("QUANTITY_EXCEEDS_RECEIVED",))

    def no_po(self):
        s = self._supplier()
        line = DocLine("1", Decimal(1), "C62", Decimal("1250.00"), "Huur kantoorruimte")
        if self.rnd.random() < 0.5:
            self.document("no_po", self.doc(s, [line], None, buyer_reference=f"GEEN-ORDER-{self.n}"), "needs_review",
                          ("PO_REFERENCE_MISSING",))
            return
        ref = f"HUUR-{self._next():05d}"
        self.steps.append(Step("standing_order", "standing_order", supplier=s.key, payload={
            "supplier_id": None, "name": "Huur", "buyer_reference": ref, "expected_amount": "1250.00",
            "currency": "EUR", "period": "month"}))
        self.document("standing_order", self.doc(s, [line], None, buyer_reference=ref), "approved")
        over = DocLine("1", Decimal(1), "C62", Decimal("1400.00"), "Huur kantoorruimte")
        self.day += timedelta(days=31)
        self.document("standing_order_over", self.doc(s, [over], None, buyer_reference=ref), "needs_review",
                      ("PO_REFERENCE_MISSING",))

    def unknown_order(self):
        s = self._supplier()
        self.document("unknown_order", self.doc(s, [DocLine("1", Decimal(3), "C62", Decimal("12.00"), "Pen")],
                                                f"PO-UNKNOWN-{self._next()}"), "needs_review", ("PO_NOT_FOUND",))

    def closed_order(self):
        o = self.order("closed", self._supplier(), self._po_lines(2), status="closed")
        self.document("closed_order", self.invoice_for(o), "needs_review", ("PO_CLOSED",))

    def wrong_supplier(self):
        a, b = self.rnd.sample(self.suppliers, 2)
        o = self.order("wrong_sup", a, self._po_lines(2))
        lines = [pl.invoice_line(str(i)) for i, pl in enumerate(o.lines, 1)]
        self.document("wrong_supplier", self.doc(b, lines, o.number), "needs_review", ("SUPPLIER_MISMATCH",))

    def currency(self):
        o = self.order("currency", self._supplier(), self._po_lines(2))
        self.document("currency", self.invoice_for(o, currency="USD"), "needs_review", ("CURRENCY_MISMATCH",))

    def vat_rate(self):
        o = self.order("vat", self._supplier(), self._po_lines(2))
        lines = [pl.invoice_line(str(i), vat_rate=Decimal(9) if i == 1 else pl.vat_rate) for i, pl in enumerate(o.lines, 1)]
        self.document("vat_rate", self.doc(o.supplier, lines, o.number), "needs_review", ("VAT_MISMATCH",))

    def freight(self):
        s = self._supplier()
        lines = self._po_lines(2)
        on_po = self.rnd.random() < 0.4
        if on_po:
            lines.append(PoLine("99", "Vracht", Decimal(1), "C62", Decimal("45.00")))
        o = self.order("freight", s, lines)
        inv_lines = [pl.invoice_line(str(i)) for i, pl in enumerate(o.lines[:2], 1)]
        doc = self.doc(s, inv_lines, o.number, freight=Decimal("45.00"))
        if on_po:
            self.document("freight_on_po", doc, "approved")
        else:
            self.document("freight_not_on_po", doc, "needs_review", ("CHARGE_NOT_ON_PO",))

    def rounding(self):
        s = self._supplier()
        lines = self._po_lines(2)
        lines[1].vat_rate = Decimal(9)
        o = self.order("rounding", s, lines)
        within = self.rnd.random() < 0.5
        skew = {Decimal(21): Decimal("0.40")} if within else {Decimal(21): Decimal("0.90"), Decimal(9): Decimal("0.90")}
        doc = self.invoice_for(o, vat_skew=skew)
        if within:
            self.document("rounding_within", doc, "approved")
        else:
            self.document("rounding_beyond", doc, "needs_review", ("TOTAL_VARIANCE",))

    def credit_note(self):
        o = self.order("credit", self._supplier(), self._po_lines(self.rnd.randint(1, 3)))
        inv = self.document("credit_invoice", self.invoice_for(o), "approved")
        pl = o.lines[0]
        returned = max(Decimal(1), r2(pl.quantity / 5))
        cn = self.doc(o.supplier, [pl.invoice_line("1", returned)], o.number, credit_note=True, preceding=inv.number)
        self.document("credit_note_return", cn, "approved")
        # the returned quantity can be invoiced again
        self.document("credit_reinvoice", self.doc(o.supplier, [pl.invoice_line("1", returned)], o.number), "approved")

    def credit_unmatched(self):
        s = self._supplier()
        cn = self.doc(s, [DocLine("1", Decimal(2), "C62", Decimal("15.00"), "Retour")], None, credit_note=True,
                      preceding=f"NIET-BESTAAND-{self.n}")
        self.document("credit_unmatched", cn, "needs_review", ("CREDIT_NOTE_UNMATCHED",))

    def duplicates(self):
        o = self.order("dup", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        half = r2(pl.quantity * Decimal("0.4"))
        first = self.doc(o.supplier, [pl.invoice_line("1", half)], o.number)
        self.document("dup_first", first, "approved")
        if self.rnd.random() < 0.5:
            # exactly the same number again, other bytes (another note on the buyer reference)
            again = Doc(**{**first.__dict__, "buyer_reference": "GEMEENTE-INKOOP-2"})
            self.document("exact_duplicate", again, "rejected", ("DUPLICATE_INVOICE",), same_as_before=True)
        else:
            other = Doc(**{**first.__dict__, "number": f"F{self._next():06d}"})
            self.document("suspected_duplicate", other, "needs_review", ("DUPLICATE_SUSPECTED",), same_as_before=True)

    def unknown_iban(self):
        o = self.order("iban", self._supplier(), self._po_lines(2))
        self.document("unknown_iban", self.invoice_for(o, iban=_iban(self.rnd, "RABO")), "needs_review",
                      ("BANK_ACCOUNT_UNVERIFIED",))

    def ambiguous(self):
        s = self._supplier()
        lines = [PoLine("1", "Koffiebekers", Decimal(100), price=Decimal("0.20")),
                 PoLine("2", "Koffiebekers", Decimal(200), price=Decimal("0.20"))]
        o = self.order("ambiguous", s, lines)
        line = lines[0].invoice_line("1", Decimal(50), ref=False)
        self.document("ambiguous_lines", self.doc(s, [line], o.number), "needs_review", ("LINE_AMBIGUOUS",))

    def without_bt132(self):
        s = self._supplier()
        lines = self._po_lines(3)
        lines[0].seller_item_id = f"ART-{self.n}"
        lines[1].gtin = _gtin(self.rnd)
        o = self.order("no_bt132", s, lines)
        inv = [lines[0].invoice_line("1", ref=False, seller_item_id=lines[0].seller_item_id),
               lines[1].invoice_line("2", ref=False, gtin=lines[1].gtin),
               lines[2].invoice_line("3", ref=False)]
        self.document("lines_without_bt132", self.doc(s, inv, o.number), "approved")

    def unknown_supplier(self):
        o = self.order("unk_sup", self._supplier(), self._po_lines(1))
        lines = [o.lines[0].invoice_line("1")]
        self.document("supplier_unknown", self.doc(self.stranger, lines, o.number), "needs_review", ("SUPPLIER_UNKNOWN",))

    def line_not_matched(self):
        o = self.order("not_matched", self._supplier(), self._po_lines(2))
        lines = [o.lines[0].invoice_line("1"), DocLine("2", Decimal(1), "C62", Decimal("30.00"), "Iets anders", order_line="777")]
        self.document("line_not_matched", self.doc(o.supplier, lines, o.number), "needs_review", ("LINE_NOT_MATCHED",))

    def line_allowance(self):
        o = self.order("allowance", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        # the price test reads BT-146 (within 2 %); the allowance only lowers BT-131
        line = pl.invoice_line("1", price=r2(pl.price * Decimal("1.01")), allowance=r2(pl.quantity * pl.price * Decimal("0.03")))
        self.document("line_allowance", self.doc(o.supplier, [line], o.number), "approved")

    CATALOGUE = ("clean_2way", "clean_3way", "partial_over_time", "several_invoices", "price", "price_per_base",
                 "units", "quantity_over", "not_received", "over_received", "no_po", "unknown_order",
                 "closed_order", "wrong_supplier", "currency", "vat_rate", "freight", "rounding", "credit_note",
                 "credit_unmatched", "duplicates", "unknown_iban", "ambiguous", "without_bt132",
                 "unknown_supplier", "line_not_matched", "line_allowance")
    # clean traffic dominates real life; weights keep every case present in a small corpus too
    WEIGHTS: ClassVar[dict[str, int]] = {"clean_2way": 4, "clean_3way": 3, "partial_over_time": 2, "several_invoices": 2}

    def build(self, documents: int) -> list[Step]:
        """Stories until at least ``documents`` documents: first one of each case and category, then
        weighted draws."""
        order = list(self.CATALOGUE) + [f"cat_{c}" for c in CATEGORIES]
        pool = [c for c in order for _ in range(self.WEIGHTS.get(c, 1))]
        i = 0
        while self.count() < documents:
            case = order[i] if i < len(order) else self.rnd.choice(pool)
            getattr(self, case)()
            i += 1
        return self.steps

    def count(self) -> int:
        return sum(1 for s in self.steps if s.kind == "document")


def build_corpus(documents: int = 2000, seed: int = 2026) -> Corpus:
    corpus = Corpus(seed)
    corpus.build(documents)
    return corpus


def iter_documents(steps: list[Step]) -> Iterator[Step]:
    return (s for s in steps if s.kind == "document")
