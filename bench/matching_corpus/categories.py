"""The robustness categories of issue #15: for each, invoices that must pass and near-misses that
must not. Case names are ``<category>.<variant>``; the runner reports per category.

Each method writes every variant of its category once (a story per variant), so that a corpus of any
size has them all; the catalogue draws the methods again for volume.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from bench.matching_corpus.documents import Doc, DocLine, SupplierSpec, _iban, r2
from bench.matching_corpus.orders import Order, PoLine

CATEGORIES = ("refs", "units", "prices", "lines", "receipts", "amounts", "ibans", "dups")
OK, FLAG = "approved", "needs_review"


def _grouped(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


class RobustnessCases:
    """Mixed into ``Corpus`` (which provides order/doc/document/receipt and the random source)."""

    # --- 1. order references as people write them ---------------------------------------------
    def cat_refs(self) -> None:
        s = self._supplier()

        def fresh(case: str) -> Order:
            return self.order(case, s, self._po_lines(self.rnd.randint(1, 3)))

        o = fresh("refs.bt13_case")
        self.document("refs.bt13_case", self.invoice_for(o, po=o.number.lower()), OK)
        o = fresh("refs.bt13_spaces")
        self.document("refs.bt13_spaces", self.invoice_for(o, po=o.number.replace("-", " - ", 1)), OK)
        o = fresh("refs.bt13_case_spaces")
        self.document("refs.bt13_case_spaces", self.invoice_for(o, po=" " + o.number.lower().replace("-", "- ") + " "),
                      OK)
        o = fresh("refs.bt10_only")
        self.document("refs.bt10_only", self.invoice_for(o, po=None, buyer_reference=o.number), OK)
        o = fresh("refs.bt10_only_case")
        self.document("refs.bt10_only_case", self.invoice_for(o, po=None, buyer_reference=o.number.lower()), OK)
        o = fresh("refs.credit_bt25_only")
        inv = self.document("refs.credit_bt25_invoice", self.invoice_for(o), OK)
        pl = o.lines[0]
        cn = self.doc(s, [pl.invoice_line("1", max(D(1), r2(pl.quantity / 4)), ref=False)], None, credit_note=True,
                      preceding=inv.number)
        self.document("refs.credit_bt25_only", cn, OK)
        # near-misses: never more than exact equality after case and spaces
        o = fresh("refs.bt13_other_number")
        self.document("refs.bt13_other_number", self.invoice_for(o, po=o.number.replace("-", "-0", 1)), FLAG,
                      ("PO_NOT_FOUND",))
        o = fresh("refs.bt13_no_dash")
        self.document("refs.bt13_no_dash", self.invoice_for(o, po=o.number.replace("-", "")), FLAG, ("PO_NOT_FOUND",))
        o = fresh("refs.bt10_with_text")
        self.document("refs.bt10_with_text", self.invoice_for(o, po=None, buyer_reference=f"{o.number} afd. ICT"),
                      FLAG, ("PO_REFERENCE_MISSING",))
        other = next(x for x in self.suppliers if x is not s)
        o = self.order("refs.bt10_other_supplier", other, self._po_lines(1))
        lines = [pl.invoice_line(str(i), ref=False) for i, pl in enumerate(o.lines, 1)]
        self.document("refs.bt10_other_supplier", self.doc(s, lines, None, buyer_reference=o.number), FLAG,
                      ("PO_REFERENCE_MISSING",))

    # --- 2. units of measure (UN/ECE Rec 20 families) -----------------------------------------
    UNIT_CASES = (
        # variant, order (qty, unit, price, base), invoice (qty, unit, price, base), codes
        ("count_dzn", ("120", "C62", "1.25", "1"), ("10", "DZN", "15.00", None), ()),
        ("count_gro", ("288", "H87", "0.50", "1"), ("2", "GRO", "72.00", None), ()),
        ("count_pair", ("40", "H87", "3.00", "1"), ("20", "PR", "6.00", None), ()),
        ("time_min_hur", ("8", "HUR", "75.00", "1"), ("480", "MIN", "1.25", None), ()),
        ("time_hur_day", ("5", "DAY", "600.00", "1"), ("120", "HUR", "25.00", None), ()),
        ("time_day_wee", ("2", "WEE", "1400.00", "1"), ("14", "DAY", "200.00", None), ()),
        ("time_mon_ann", ("1", "ANN", "1200.00", "1"), ("12", "MON", "100.00", None), ()),
        ("mass_kgm_tne", ("2", "TNE", "300.00", "1"), ("2000", "KGM", "0.30", None), ()),
        ("mass_grm_kgm", ("500", "KGM", "0.80", "1"), ("250000", "GRM", "0.0008", None), ()),
        ("length_cmt_mtr", ("100", "MTR", "3.00", "1"), ("5000", "CMT", "0.03", None), ()),
        ("length_mtr_kmt", ("2", "KMT", "1500.00", "1"), ("2000", "MTR", "1.50", None), ()),
        ("area_cmk_mtk", ("50", "MTK", "20.00", "1"), ("100000", "CMK", "0.002", None), ()),
        ("volume_ltr_mtq", ("2", "MTQ", "500.00", "1"), ("2000", "LTR", "0.50", None), ()),
        ("volume_clt_ltr", ("10", "LTR", "4.00", "1"), ("1000", "CLT", "0.04", None), ()),
        ("volume_mlt_ltr", ("20", "LTR", "4.00", "1"), ("10000", "MLT", "0.004", None), ()),
        ("energy_kwh_mwh", ("10", "MWH", "250.00", "1"), ("10000", "KWH", "0.25", None), ()),
        ("base_quantity", ("5000", "C62", "25.00", "1000"), ("40", "CEN", "2.50", "1"), ()),
        ("base_quantity_dzn", ("600", "C62", "1.00", "1"), ("50", "DZN", "120.00", "10"), ()),
        # near-misses
        ("area_vs_length", ("50", "MTK", "20.00", "1"), ("50", "MTR", "20.00", None), ("UNIT_MISMATCH",)),
        ("month_vs_day", ("1", "MON", "900.00", "1"), ("30", "DAY", "30.00", None), ("UNIT_MISMATCH",)),
        ("mass_vs_volume", ("20", "KGM", "4.00", "1"), ("20", "LTR", "4.00", None), ("UNIT_MISMATCH",)),
        ("box_vs_piece", ("10", "XBX", "12.00", "1"), ("120", "C62", "1.00", None), ("UNIT_MISMATCH",)),
        ("dzn_price_over", ("120", "C62", "1.00", "1"), ("10", "DZN", "12.60", None), ("PRICE_VARIANCE",)),
        ("dzn_quantity_over", ("120", "C62", "1.00", "1"), ("11", "DZN", "12.00", None),
         ("QUANTITY_EXCEEDS_ORDERED",)),
        ("kwh_price_over", ("10", "MWH", "250.00", "1"), ("10000", "KWH", "0.26", None), ("PRICE_VARIANCE",)),
    )

    def cat_units(self) -> None:
        s = self._supplier()
        for variant, (oq, ou, op, ob), (iq, iu, ip, ib), codes in self.UNIT_CASES:
            case = f"units.{variant}"
            pl = PoLine("1", f"Artikel {variant}", D(oq), ou, D(op), base=D(ob))
            o = self.order(case, s, [pl])
            line = pl.invoice_line("1", D(iq), unit=iu, price=D(ip), base=D(ib) if ib else None)
            self.document(case, self.doc(s, [line], o.number), FLAG if codes else OK, codes)

    # --- 3. prices and discounts ---------------------------------------------------------------
    def cat_prices(self) -> None:
        s = self._supplier()

        def one(case: str, price: str = "10.00") -> PoLine:
            pl = PoLine("1", "Toner zwart", D(40), "C62", D(price))
            return pl

        def post(case: str, pl: PoLine, line: DocLine, status: str, codes: tuple[str, ...] = ()) -> None:
            o = self.order(case, s, [pl])
            self.document(case, self.doc(s, [line], o.number), status, codes)

        pl = one("prices.gross_discount")
        post("prices.gross_discount", pl, pl.invoice_line("1", price=D("10.00"), gross=D("10.50")), OK)
        pl = one("prices.gross_discount_within")
        post("prices.gross_discount_within", pl, pl.invoice_line("1", price=D("10.15"), gross=D("11.00")), OK)
        pl = one("prices.lower")
        post("prices.lower", pl, pl.invoice_line("1", price=D("9.10")), OK)
        pl = one("prices.line_allowance")
        post("prices.line_allowance", pl, pl.invoice_line("1", allowance=D("20.00")), OK)
        pl = one("prices.four_decimals", "0.1234")
        pl.quantity = D(1000)
        post("prices.four_decimals", pl, pl.invoice_line("1", price=D("0.1255")), OK)
        # near-misses
        pl = one("prices.net_over")
        post("prices.net_over", pl, pl.invoice_line("1", price=D("10.50"), gross=D("11.00")), FLAG,
             ("PRICE_VARIANCE",))
        pl = one("prices.allowance_hides_price")
        post("prices.allowance_hides_price", pl, pl.invoice_line("1", price=D("10.50"), allowance=D("20.00")), FLAG,
             ("PRICE_VARIANCE",))
        pl = one("prices.line_charge")
        post("prices.line_charge", pl, pl.invoice_line("1", charge=D("25.00")), FLAG, ("CHARGE_NOT_ON_PO",))
        pl = one("prices.four_decimals_over", "0.1234")
        pl.quantity = D(1000)
        post("prices.four_decimals_over", pl, pl.invoice_line("1", price=D("0.1260")), FLAG, ("PRICE_VARIANCE",))

    # --- 4. one order line over several invoice lines ----------------------------------------
    def cat_lines(self) -> None:
        s = self._supplier()
        o = self.order("lines.split_deliveries", s, [PoLine("10", "Kopieerpapier A4", D(100), price=D("4.20"))])
        pl = o.lines[0]
        lines = [pl.invoice_line(str(i), D(q)) for i, q in enumerate((40, 35, 25), 1)]
        self.document("lines.split_deliveries", self.doc(s, lines, o.number), OK)
        o = self.order("lines.split_and_other", s, [PoLine("10", "Bureaulamp", D(30), price=D("39.00")),
                                                    PoLine("20", "Lampje E27", D(60), price=D("2.10"))])
        a, b = o.lines
        lines = [a.invoice_line("1", D(10)), b.invoice_line("2", D(60)), a.invoice_line("3", D(20))]
        self.document("lines.split_and_other", self.doc(s, lines, o.number), OK)
        # near-misses
        o = self.order("lines.split_over", s, [PoLine("10", "Kopieerpapier A4", D(100), price=D("4.20"))])
        pl = o.lines[0]
        lines = [pl.invoice_line(str(i), D(q)) for i, q in enumerate((60, 50), 1)]
        self.document("lines.split_over", self.doc(s, lines, o.number), FLAG, ("QUANTITY_EXCEEDS_ORDERED",))
        o = self.order("lines.several_order_lines", s, [PoLine("10", "Stoel grijs", D(10), price=D("89.00")),
                                                        PoLine("20", "Stoel blauw", D(10), price=D("89.00"))])
        line = DocLine("1", D(20), "C62", D("89.00"), "Stoelen", order_line="10, 20")
        self.document("lines.several_order_lines", self.doc(s, [line], o.number), FLAG, ("LINE_AMBIGUOUS",))

    # --- 5. partial receipts and returns ------------------------------------------------------
    RECEIPT_CASES = (
        ("partials", (60, 40), 100, ()),
        ("return_kept", (100, -20), 80, ()),
        ("partials_and_return", (50, 30, -10), 70, ()),
        ("return_invoiced_all", (100, -20), 100, ("QUANTITY_EXCEEDS_RECEIVED",)),
        ("all_returned", (50, -50), 50, ("NOT_RECEIVED",)),
    )

    def cat_receipts(self) -> None:
        s = self._supplier()
        for variant, moves, invoiced, codes in self.RECEIPT_CASES:
            case = f"receipts.{variant}"
            o = self.order(case, s, [PoLine("10", "Werkbank", D(100), price=D("12.00"), receipt_required=True)])
            for q in moves:
                self.receipt(case, o, {"10": D(q)})
            line = o.lines[0].invoice_line("1", D(invoiced))
            self.document(case, self.doc(s, [line], o.number), FLAG if codes else OK, codes)

    # --- 6. amounts: prepaid, rounding, mixed VAT, four decimals ------------------------------
    def cat_amounts(self) -> None:
        s = self._supplier()

        def story(case: str, status: str = OK, codes: tuple[str, ...] = (), rates=(21,), price=None, **kw) -> None:
            lines = self._po_lines(len(rates))
            for pl, rate in zip(lines, rates):
                pl.vat_rate = D(rate)
                if price is not None:
                    pl.price = D(price)
            o = self.order(case, s, lines)
            self.document(case, self.invoice_for(o, **kw), status, codes)

        story("amounts.prepaid", prepaid=D("100.00"))
        story("amounts.rounding", rounding=D("0.03"))
        story("amounts.prepaid_and_rounding", prepaid=D("50.00"), rounding=D("-0.02"))
        story("amounts.mixed_vat", rates=(21, 9, 0))
        story("amounts.mixed_vat_prepaid", rates=(21, 9), prepaid=D("10.00"))
        story("amounts.four_decimals", price="1.2345", rates=(21, 9))
        story("amounts.rounding_too_large", FLAG, ("TOTAL_VARIANCE",), rounding=D("5.00"))
        story("amounts.mixed_vat_skewed", FLAG, ("TOTAL_VARIANCE",), rates=(21, 9),
              vat_skew={D(21): D("0.90"), D(9): D("0.90")})

    # --- 7. bank accounts as people write them -------------------------------------------------
    def cat_ibans(self) -> None:
        s = self._supplier()
        for variant, iban, codes in (
            ("groups", _grouped(s.iban), ()),
            ("lower_case", s.iban.lower(), ()),
            ("lower_case_groups", _grouped(s.iban).lower(), ()),
            ("other_account_groups", _grouped(_iban(self.rnd, "RABO")), ("BANK_ACCOUNT_UNVERIFIED",)),
        ):
            case = f"ibans.{variant}"
            o = self.order(case, s, self._po_lines(2))
            self.document(case, self.invoice_for(o, iban=iban), FLAG if codes else OK, codes)

    # --- 8. duplicates, sharper -----------------------------------------------------------------
    def cat_dups(self) -> None:
        s = self._supplier()
        # honest: same amount and day, two orders with their own lines
        lines = [PoLine("10", "Schoonmaak week", D(1), price=D("850.00"))]
        a = self.order("dups.same_amount_other_order", s, lines)
        b = self.order("dups.same_amount_other_order", s, [PoLine("10", "Schoonmaak week", D(1), price=D("850.00"))])
        first = self.document("dups.same_amount_other_order", self.invoice_for(a), OK)
        second = self.invoice_for(b)
        second.issue_date = first.issue_date
        self.document("dups.same_amount_other_order", second, OK, same_as_before=True)
        # honest: the same number at another supplier
        other = next(x for x in self.suppliers if x is not s)
        number = f"INV-{self._next():05d}"
        for sup in (s, other):
            o = self.order("dups.same_number_other_supplier", sup, self._po_lines(1))
            self.document("dups.same_number_other_supplier", self._numbered(self.invoice_for(o), number), OK)
        # honest: a look-alike number long after
        n = self._next()
        o = self.order("dups.lookalike_after_90_days", s, self._po_lines(1))
        self.document("dups.lookalike_first", self._numbered(self.invoice_for(o), f"F-2025-{n:05d}"), OK)
        o = self.order("dups.lookalike_after_90_days", s, self._po_lines(1))
        late = self._numbered(self.invoice_for(o), f"F2025{n:05d}")
        late.issue_date += timedelta(days=120)
        self.document("dups.lookalike_after_90_days", late, OK)
        # near-misses: same order, amount and day under another number; numbers written differently
        o = self.order("dups.same_order_same_amount", s, [PoLine("10", "Printerpapier", D(100), price=D("4.00"))])
        pl = o.lines[0]
        first = self.document("dups.same_order_first", self.doc(s, [pl.invoice_line("1", D(40))], o.number), OK)
        again = Doc(**{**first.__dict__, "number": f"F{self._next():06d}"})
        self.document("dups.same_order_same_amount", again, FLAG, ("DUPLICATE_SUSPECTED",), same_as_before=True)
        for variant, written in (("punctuation", "F{y}{n:05d}"), ("leading_zeros", "F-{y}-{n}"),
                                 ("case", "f-{y}-{n:05d}")):
            n = self._next()
            o = self.order(f"dups.number_{variant}", s, [PoLine("10", "Koffie", D(100), price=D("7.50"))])
            pl = o.lines[0]
            self.document(f"dups.number_{variant}_first",
                          self._numbered(self.doc(s, [pl.invoice_line("1", D(30))], o.number), f"F-2026-{n:05d}"), OK)
            copy = self._numbered(self.doc(s, [pl.invoice_line("1", D(20))], o.number),
                                  written.format(y=2026, n=n))
            self.document(f"dups.number_{variant}", copy, FLAG, ("DUPLICATE_SUSPECTED",))

    def _numbered(self, doc: Doc, number: str) -> Doc:
        doc.number = number
        return doc

    # the two helpers Corpus provides (declared for readers and type checkers)
    suppliers: list[SupplierSpec]
