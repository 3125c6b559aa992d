"""Engine 2 on the variation real suppliers send (issue #15), pure: one test per behaviour."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from service.matching import (
    AllowanceCharge,
    OrderReference,
    PriorInvoice,
    ReceiptMovement,
    ReceiptTotals,
    match,
)
from service.normal_forms import invoice_number_keys, order_key, order_key_changes
from service.reasons import ReasonCode as R
from tests.matching.builders import IBAN, SUPPLIER, inputs, inv_line, invoice, order, order_line

DAY = date(2026, 11, 1)


def names(d) -> set[str]:
    return {c.name for c in d.normalisations()}


# --- 1. order references -------------------------------------------------------------------------


def test_order_reference_keys_ignore_case_and_every_space_but_not_punctuation():
    assert order_key("  po - 2026 001 ") == "PO-2026001" == order_key("PO-2026001")
    assert order_key("PO-2026-001") != order_key("PO2026001")
    assert order_key_changes(" po-1", "PO-1") == ("spaces", "case")


def test_an_order_found_through_bt10_is_matched_and_the_decision_says_how():
    inv = invoice(inv_line(), po=None, buyer_reference="po-1")
    found = OrderReference(field="BT-10", value="po-1", order_number="PO-1", normalisations=("case",))
    d = match(inputs(inv, order(), order_found_by=found))
    assert d.approved, d.failed()
    [lookup] = [c for c in d.normalisations() if c.name == "order_lookup"]
    assert lookup.message_en.endswith("Order found through BT-10 (buyer reference) (letter case ignored).")
    assert "Order gevonden via BT-10 (referentie koper) (hoofdletters genegeerd)." in lookup.message_nl
    # without an order found, no BT-13 stays PO_REFERENCE_MISSING: nothing is guessed
    assert match(inputs(inv, None)).reason_codes == (R.PO_REFERENCE_MISSING,)


def test_an_exact_bt13_needs_no_explanation():
    found = OrderReference(field="BT-13", value="PO-1", order_number="PO-1")
    assert "order_lookup" not in names(match(inputs(order_found_by=found)))


# --- 3. prices -----------------------------------------------------------------------------------


def test_the_net_price_after_the_price_discount_is_compared():
    ok = replace(inv_line(price="10.00"), gross_price=D("10.80"), price_discount=D("0.80"))
    d = match(inputs(invoice(ok)))
    assert d.approved and "price_discount" in names(d)
    dear = replace(inv_line(price="10.30"), gross_price=D("10.80"), price_discount=D("0.50"))
    assert match(inputs(invoice(dear))).reason_codes == (R.PRICE_VARIANCE,)


def test_four_decimal_prices_compare_exactly():
    po = order(order_line(price="0.1234", qty="1000"))
    assert match(inputs(invoice(inv_line(qty="1000", price="0.1258")), po)).approved  # +1.94 %
    assert match(inputs(invoice(inv_line(qty="1000", price="0.1259")), po)).reason_codes == (R.PRICE_VARIANCE,)


def test_a_line_allowance_changes_the_amount_not_the_price_test():
    ac = AllowanceCharge(charge=False, amount=D("5.00"), reason="Korting")
    assert match(inputs(invoice(inv_line(allowances_charges=[ac])))).approved


# --- 4. lines --------------------------------------------------------------------------------------


def test_several_invoice_lines_of_one_order_line_are_summed_and_explained():
    po = order(order_line(qty="100"))
    d = match(inputs(invoice(inv_line("1", qty="60"), inv_line("2", qty="40")), po))
    assert d.approved and "lines_summed" in names(d)
    over = match(inputs(invoice(inv_line("1", qty="60"), inv_line("2", qty="41")), po))
    assert over.reason_codes == (R.QUANTITY_EXCEEDS_ORDERED,)


def test_one_invoice_line_naming_several_order_lines_is_flagged_never_split():
    po = order(order_line("10"), order_line("20", name="Stoel blauw"))
    for written in ("10, 20", "10/20", "10 en 20", "10+20"):
        d = match(inputs(invoice(inv_line(ref=written, qty="20")), po))
        assert d.reason_codes == (R.LINE_AMBIGUOUS,), written
        assert d.failed()[0].actual == "10, 20"


# --- 5. receipts -------------------------------------------------------------------------------


def test_receipts_and_returns_are_netted_per_order_line():
    po = order(order_line(qty="100", receipt_required=True))
    moves = ReceiptTotals(movements=(ReceiptMovement("GR-1", "1", D(60)), ReceiptMovement("GR-2", "1", D(40)),
                                     ReceiptMovement("GR-3", "1", D(-20))), receipt_ids=("GR-1", "GR-2", "GR-3"))
    kept = match(inputs(invoice(inv_line(qty="80")), po, receipts=moves))
    assert kept.approved and "receipts_netted" in names(kept)
    netted = next(c for c in kept.normalisations() if c.name == "receipts_netted")
    assert netted.actual == "60 (GR-1) + 40 (GR-2) - 20 (GR-3) = 80 C62"
    more = match(inputs(invoice(inv_line(qty="81")), po, receipts=moves))
    assert more.reason_codes == (R.QUANTITY_EXCEEDS_RECEIVED,)


# --- 6. amounts --------------------------------------------------------------------------------


def test_prepaid_and_rounding_are_taken_into_the_amount_due():
    inv = invoice(inv_line())
    due = replace(inv, prepaid=D("50.00"), rounding=D("0.02"), payable=inv.tax_inclusive - D("50.00") + D("0.02"))
    d = match(inputs(due))
    assert d.approved and "prepaid_rounding" in names(d)
    big = replace(inv, rounding=D("4.00"), payable=inv.tax_inclusive + D("4.00"))
    assert match(inputs(big)).reason_codes == (R.TOTAL_VARIANCE,)


def test_mixed_vat_rates_are_rounded_per_rate():
    po = order(order_line("1"), order_line("2", name="Boek", vat_rate="9"), order_line("3", name="Export", vat_rate="0",
                                                                                     vat_category="Z"))
    inv = invoice(inv_line("1", price="10.01"), inv_line("2", ref="2", name="Boek", vat_rate="9", price="9.99"),
                  inv_line("3", ref="3", name="Export", vat_rate="0", vat_category="Z"))
    d = match(inputs(inv, po))
    assert d.approved, d.failed()
    assert "vat_breakdown" in names(d)


# --- 7. bank accounts --------------------------------------------------------------------------


def test_ibans_written_in_groups_or_lower_case_are_the_known_account():
    for written in ("NL91 ABNA 0417 1643 00", "nl91abna0417164300", "nl91-abna-0417-1643-00"):
        d = match(inputs(invoice(inv_line(), ibans=(written,))))
        assert d.approved, (written, d.failed())
        assert "iban_format" in names(d)
    assert match(inputs(invoice(inv_line(), ibans=("NL91 ABNA 0417 1643 01",)))).reason_codes == \
        (R.BANK_ACCOUNT_UNVERIFIED,)
    assert SUPPLIER.ibans == (IBAN,)


# --- 8. duplicates -----------------------------------------------------------------------------


def prior(number="INV-0", amount=None, day=DAY, order_number="PO-1", supplier_id="sup-1", invoice_id="id-0"):
    inv = invoice(inv_line())
    return PriorInvoice(invoice_id=invoice_id, number=number, issue_date=day,
                        amount=inv.tax_inclusive if amount is None else D(amount), order_number=order_number,
                        supplier_id=supplier_id)


def test_same_amount_and_day_is_a_duplicate_only_for_the_same_order_or_both_without_one():
    same = match(inputs(prior_invoices=(prior(),)))
    assert same.reason_codes == (R.DUPLICATE_SUSPECTED,)
    assert same.failed()[0].related_invoice_id == "id-0"
    assert match(inputs(prior_invoices=(prior(order_number="PO-2"),))).approved  # another order: honest
    assert match(inputs(prior_invoices=(prior(day=DAY - timedelta(days=1)),))).approved


def test_an_invoice_number_written_differently_within_90_days_is_a_duplicate():
    base = inputs(invoice(inv_line(), number="F-2026-001"))
    for written in ("F2026001", "f-2026-001", "F-2026-1", "F/2026/0001"):
        d = match(replace(base, prior_invoices=(prior(number=written, amount="1.00", order_number="PO-9"),)))
        assert d.reason_codes == (R.DUPLICATE_SUSPECTED,), written
    late = prior(number="F2026001", amount="1.00", day=DAY - timedelta(days=91))
    assert match(replace(base, prior_invoices=(late,))).approved
    other = prior(number="F-2026-101", amount="1.00")
    assert invoice_number_keys("F-2026-101") != invoice_number_keys("F-2026-001")
    assert match(replace(base, prior_invoices=(other,))).approved


def test_at_most_five_suspected_duplicates_are_listed_the_most_alike_first_and_the_rest_counted():
    base = inputs(invoice(inv_line(), number="F-2026-001"))
    same = tuple(prior(number=f"S-{i:02}", invoice_id=f"same-{i:02}") for i in range(12))
    lookalike = prior(number="F2026001", amount="1.00", order_number="PO-9", invoice_id="look",
                      day=DAY - timedelta(days=3))
    d = match(replace(base, prior_invoices=(lookalike, *same)))
    failed = [c for c in d.failed() if c.name == "duplicate_suspected"]
    assert [c.related_invoice_id for c in failed[:5]] == [f"same-{i:02}" for i in range(5)]
    assert failed[5].related_invoice_id is None and failed[5].actual == "+8", failed[5]
    nl, en = failed[5].messages()
    assert nl.endswith("Nog 8 eerdere facturen lijken op deze; alleen de 5 meest gelijkende staan hierboven."), nl
    assert en.endswith("8 more earlier invoices resemble this one; only the 5 most alike are listed above."), en
    assert len(failed) == 6 and d.reason_codes == (R.DUPLICATE_SUSPECTED,)
    # engine 2.0.0 (stored decisions replay with it) listed every one, in number order
    old = match(replace(base, prior_invoices=(lookalike, *same)), version="matching-2.0.0")
    assert [c.related_invoice_id for c in old.failed()] == ["look", *(f"same-{i:02}" for i in range(12))]


def test_a_closer_issue_date_is_more_alike_among_numbers_written_otherwise():
    base = inputs(invoice(inv_line(), number="F-7"))
    far = tuple(prior(number=f"f-{n}", amount="1.00", invoice_id=f"far-{n}", day=DAY - timedelta(days=60))
                for n in ("7", "07", "007", "0007", "00007"))
    near = prior(number="F7", amount="1.00", invoice_id="near", day=DAY + timedelta(days=1))
    failed = match(replace(base, prior_invoices=(*far, near))).failed()
    assert failed[0].related_invoice_id == "near" and failed[-1].actual == "+1", failed


def test_the_same_number_at_another_supplier_is_never_a_duplicate():
    base = inputs(invoice(inv_line(), number="F-1"))
    assert match(replace(base, prior_invoices=(prior(number="F1", supplier_id="sup-2"),))).approved
