"""The pure matching engine: at least one test per reason code, plus the clean paths."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from service.matching import (
    AllowanceCharge,
    CheckOutcome,
    CreditTarget,
    Ledger,
    Policy,
    ReceiptMode,
    ReceiptTotals,
    StandingOrder,
    SupplierFacts,
    match,
)
from service.matching.units import conversion_factor
from service.reasons import ReasonCode as R
from tests.matching.builders import (
    D,
    charge,
    inputs,
    inv_line,
    invoice,
    order,
    order_line,
)


def codes(mi) -> set[str]:
    return set(match(mi).reason_codes)


# --- clean paths ---------------------------------------------------------------------------------


def test_clean_two_way_invoice_is_approved_and_consumes_the_quantity():
    d = match(inputs())
    assert d.approved and d.reason_codes == ()
    assert [(x.order_line_id, x.quantity) for x in d.ledger_delta] == [("1", D(10))]
    assert all(c.outcome is not CheckOutcome.failed for c in d.checks)
    assert {c.name for c in d.checks} >= {"supplier_known", "bank_account", "order_found", "price",
                                          "quantity_ordered", "vat", "total"}


def test_clean_three_way_invoice_within_received_is_approved():
    po = order(order_line(receipt_required=True))
    d = match(inputs(po=po, receipts=ReceiptTotals({"1": D(10)})))
    assert d.approved, d.reason_codes


def test_every_check_carries_dutch_and_english_text():
    d = match(inputs(invoice(inv_line(price="11.00"))))
    for c in d.checks:
        assert c.message_nl and c.message_en
    price = next(c for c in d.checks if c.name == "price")
    assert price.code == "PRICE_VARIANCE" and price.line_id == "1"
    assert price.expected == "10 per C62" and price.actual == "11 per C62" and price.tolerance == "+2%"
    assert "Regel 1" in price.message_nl and "Line 1" in price.message_en


# --- one test per reason code -------------------------------------------------------------------


def test_po_reference_missing_without_standing_order():
    assert codes(inputs(invoice(po=None), po=None)) == {R.PO_REFERENCE_MISSING}


def test_po_not_found():
    assert codes(inputs(po=None, order_lookup="PO-404")) == {R.PO_NOT_FOUND}


def test_po_closed():
    d = match(inputs(po=order(status="closed")))
    assert set(d.reason_codes) == {R.PO_CLOSED}
    assert d.ledger_delta == ()  # a closed order is never consumed


def test_supplier_mismatch_does_not_consume_the_order():
    d = match(inputs(po=order(supplier_id="someone-else")))
    assert set(d.reason_codes) == {R.SUPPLIER_MISMATCH} and d.ledger_delta == ()


def test_currency_mismatch_skips_price_comparison():
    d = match(inputs(invoice(currency="USD")))
    assert set(d.reason_codes) == {R.CURRENCY_MISMATCH}
    assert next(c for c in d.checks if c.name == "price").outcome is CheckOutcome.skipped


def test_line_not_matched_by_unknown_order_line_reference():
    assert codes(inputs(invoice(inv_line(ref="99")))) == {R.LINE_NOT_MATCHED}


def test_line_ambiguous_when_two_order_lines_share_name_and_price():
    po = order(order_line("1"), order_line("2"))
    assert codes(inputs(invoice(inv_line(ref=None)), po=po)) == {R.LINE_AMBIGUOUS}


def test_unit_mismatch_across_families():
    assert codes(inputs(invoice(inv_line(unit="KGM")))) == {R.UNIT_MISMATCH}


def test_price_variance_above_two_percent():
    assert codes(inputs(invoice(inv_line(price="10.21")))) == {R.PRICE_VARIANCE}


def test_quantity_exceeds_ordered_alone():
    assert codes(inputs(invoice(inv_line(qty="101")))) == {R.QUANTITY_EXCEEDS_ORDERED}


def test_quantity_exceeds_ordered_cumulatively():
    assert codes(inputs(ledger=Ledger({"1": D(95)}))) == {R.QUANTITY_EXCEEDS_ORDERED}
    assert match(inputs(ledger=Ledger({"1": D(90)}))).approved


def test_quantity_exceeds_received():
    po = order(order_line(receipt_required=True))
    assert codes(inputs(po=po, receipts=ReceiptTotals({"1": D(5)}))) == {R.QUANTITY_EXCEEDS_RECEIVED}


def test_not_received():
    po = order(order_line(receipt_required=True))
    assert codes(inputs(po=po)) == {R.NOT_RECEIVED}


def test_vat_mismatch():
    assert codes(inputs(invoice(inv_line(vat_rate="9")))) == {R.VAT_MISMATCH}


def test_charge_not_on_po():
    assert codes(inputs(invoice(charges=[charge("25.00", "Vracht")]))) == {R.CHARGE_NOT_ON_PO}


def test_total_variance_beyond_one_euro():
    assert codes(inputs(invoice(total_delta="1.01"))) == {R.TOTAL_VARIANCE}
    assert match(inputs(invoice(total_delta="-1.00"))).approved


def test_total_variance_on_a_payable_rounding_amount():
    inv = invoice()
    assert match(inputs(replace(inv, payable=inv.tax_inclusive))).approved
    assert match(inputs(replace(inv, payable=inv.tax_inclusive - D(100), prepaid=D(100)))).approved
    assert codes(inputs(replace(inv, payable=inv.tax_inclusive + D(50)))) == {R.TOTAL_VARIANCE}


def test_bank_account_unverified():
    assert codes(inputs(invoice(ibans=("NL02RABO0123456789",)))) == {R.BANK_ACCOUNT_UNVERIFIED}


def test_supplier_unknown():
    d = match(inputs(supplier=None))
    assert set(d.reason_codes) == {R.SUPPLIER_UNKNOWN} and d.ledger_delta == ()


def test_duplicate_suspected():
    assert codes(inputs(similar_invoices=("INV-0",))) == {R.DUPLICATE_SUSPECTED}


def test_credit_note_unmatched_without_corrected_invoice():
    cn = invoice(credit=True, po=None, preceding=("NOPE",))
    assert codes(inputs(cn)) == {R.CREDIT_NOTE_UNMATCHED}


# --- units, prices, pairing ---------------------------------------------------------------------


@pytest.mark.parametrize("a,b,f", [("KGM", "GRM", "1000"), ("GRM", "KGM", "0.001"), ("TNE", "KGM", "1000"),
                                   ("KMT", "MTR", "1000"), ("MMT", "CMT", "0.1"), ("MLT", "LTR", "0.001"),
                                   ("EA", "C62", "1"), ("H87", "EA", "1"), ("DAY", "DAY", "1")])
def test_units_convert_within_a_family(a, b, f):
    assert conversion_factor(a, b) == D(f)


@pytest.mark.parametrize("a,b", [("KGM", "LTR"), ("H87", "KGM"), ("MON", "DAY"), ("MTK", "MTR"), ("XYZ", "C62")])
def test_units_outside_a_family_do_not_convert(a, b):
    assert conversion_factor(a, b) is None


def test_converted_units_are_approved_and_consumed_in_order_units():
    po = order(order_line(qty="50", unit="KGM", price="4.00"))
    inv = invoice(inv_line(qty="2500", unit="GRM", price="0.004"))
    d = match(inputs(inv, po=po))
    assert d.approved, d.reason_codes
    assert d.ledger_delta[0].quantity == D("2.5")


def test_price_per_base_quantity():
    po = order(order_line(qty="1000", price="25.00", base="100"))  # 25 per 100 pieces
    ok = invoice(inv_line(qty="400", price="25.00", base="100"))
    assert match(inputs(ok, po=po)).approved
    high = invoice(inv_line(qty="400", price="26.00", base="100"))
    assert codes(inputs(high, po=po)) == {R.PRICE_VARIANCE}


def test_lower_price_passes_unless_a_lower_bound_is_configured():
    cheap = invoice(inv_line(price="8.00"))
    assert match(inputs(cheap)).approved
    assert codes(inputs(cheap, policy=Policy(price_under_pct=D(10)))) == {R.PRICE_VARIANCE}


def test_engine_1_compared_the_price_after_line_allowances():
    # 10.30 is 3 % above the order, but the line allowance brings the net back to 10.00 per unit:
    # engine 1 passed it; engine 2 compares BT-146 (see test_prices.py), so it stays reachable here.
    ac = AllowanceCharge(charge=False, amount=D("3.00"), reason="Korting")
    inv = invoice(inv_line(price="10.30", allowances_charges=[ac]))
    assert match(inputs(inv), version="matching-1.1.0").approved
    assert set(match(inputs(inv)).reason_codes) == {R.PRICE_VARIANCE}


def test_engine_1_compared_the_price_after_line_charges():
    ac = AllowanceCharge(charge=True, amount=D("5.00"), reason="Toeslag")
    assert set(match(inputs(invoice(inv_line(allowances_charges=[ac]))), version="matching-1.1.0").reason_codes) \
        == {R.PRICE_VARIANCE}
    assert codes(inputs(invoice(inv_line(allowances_charges=[ac])))) == {R.CHARGE_NOT_ON_PO}


def test_pairing_by_seller_item_id_then_standard_item_id_then_name():
    po = order(order_line("A", seller_item_id="S-1", name="x"), order_line("B", standard_item_id="0871", name="y"),
               order_line("C", name="Kantoorpapier A4", price="5.00"))
    inv = invoice(inv_line("1", ref=None, seller_item_id="S-1", name="?"),
                  inv_line("2", ref=None, standard_item_id="0871", name="?"),
                  inv_line("3", ref=None, name="kantoorpapier  a4", price="5.00"))
    d = match(inputs(inv, po=po))
    assert d.approved, d.reason_codes
    assert d.pairing == {"1": "A", "2": "B", "3": "C"}


def test_same_name_different_price_pairs_by_price():
    po = order(order_line("1", name="Toner", price="50"), order_line("2", name="Toner", price="80"))
    inv = invoice(inv_line(ref=None, name="Toner", price="80"))
    d = match(inputs(inv, po=po))
    assert d.approved and d.pairing == {"1": "2"}


def test_same_seller_item_id_on_two_lines_is_ambiguous_never_guessed():
    po = order(order_line("1", seller_item_id="X"), order_line("2", seller_item_id="X"))
    assert codes(inputs(invoice(inv_line(ref=None, seller_item_id="X")), po=po)) == {R.LINE_AMBIGUOUS}


def test_two_invoice_lines_on_one_order_line_are_summed():
    inv = invoice(inv_line("1", qty="60"), inv_line("2", qty="50"))
    assert codes(inputs(inv)) == {R.QUANTITY_EXCEEDS_ORDERED}


def test_quantity_tolerance_from_policy():
    assert match(inputs(invoice(inv_line(qty="105")), policy=Policy(quantity_over_pct=D(5)))).approved


def test_receipt_mode_from_policy_overrides_the_order_line():
    po = order(order_line(receipt_required=True))
    assert match(inputs(po=po, policy=Policy(receipt_mode=ReceiptMode.two_way))).approved
    assert codes(inputs(policy=Policy(receipt_mode=ReceiptMode.three_way))) == {R.NOT_RECEIVED}


def test_freight_on_the_order_passes():
    po = order(order_line(), order_line("F", qty="1", price="25.00", name="Vracht"))
    assert match(inputs(invoice(charges=[charge("25.00", "Vracht")]), po=po)).approved


def test_small_charge_within_tolerance_passes():
    assert match(inputs(invoice(charges=[charge("0.95", "Handling")]))).approved


def test_invoice_without_iban_passes_bank_check():
    assert match(inputs(invoice(ibans=()))).approved


# --- standing orders -----------------------------------------------------------------------------


def _rent(**kw) -> StandingOrder:
    base = dict(rule_id="rent", version=1, supplier_id="sup-1", expected_amount=D("1500.00"),
                buyer_reference="HUUR-2026", period_key="2026-11")
    base.update(kw)
    return StandingOrder(**base)


def _rent_invoice(amount="1500.00"):
    return invoice(inv_line(qty="1", price=amount, ref=None, name="Huur"), po=None, buyer_reference="HUUR-2026")


def test_standing_order_approves_within_tolerance_and_records_the_period():
    d = match(inputs(_rent_invoice("1500.80"), po=None, standing_order=_rent()))
    assert d.approved, d.reason_codes
    assert d.ledger_delta[0].order_line_id == "standing:rent:2026-11"


def test_standing_order_beyond_tolerance_or_twice_in_a_period_is_po_reference_missing():
    assert codes(inputs(_rent_invoice("1600.00"), po=None, standing_order=_rent())) == {R.PO_REFERENCE_MISSING}
    twice = _rent(invoiced_in_period=D("1500.00"))
    assert codes(inputs(_rent_invoice(), po=None, standing_order=twice)) == {R.PO_REFERENCE_MISSING}


def test_standing_order_outside_its_validity():
    rule = _rent(valid_to=date(2026, 6, 30))
    assert codes(inputs(_rent_invoice(), po=None, standing_order=rule)) == {R.PO_REFERENCE_MISSING}


# --- credit notes -------------------------------------------------------------------------------


def _target(status="approved", invoiced="10"):
    return CreditTarget(invoice_id="i-1", number="INV-1", status=status, currency="EUR", supplier_id="sup-1",
                        order_number="PO-1", invoiced={"1": D(invoiced)})


def test_credit_note_for_returned_goods_gives_quantity_back():
    cn = invoice(inv_line(qty="4"), number="CN-1", credit=True, po=None, preceding=("INV-1",), ibans=())
    d = match(inputs(cn, credit_target=_target()))
    assert d.approved, d.reason_codes
    assert [(x.order_line_id, x.quantity) for x in d.ledger_delta] == [("1", D(-4))]


def test_credit_note_for_more_than_invoiced_is_unmatched():
    cn = invoice(inv_line(qty="4"), credit=True, po=None, preceding=("INV-1",))
    assert codes(inputs(cn, credit_target=_target(), ledger=Ledger(credited={"1": D(8)}))) == {R.CREDIT_NOTE_UNMATCHED}


def test_credit_note_for_an_invoice_not_approved_is_unmatched():
    cn = invoice(inv_line(qty="4"), credit=True, po=None, preceding=("INV-1",))
    assert codes(inputs(cn, credit_target=_target(status="needs_review"))) == {R.CREDIT_NOTE_UNMATCHED}


def test_credit_note_on_a_line_the_invoice_did_not_have_is_unmatched():
    po = order(order_line("1"), order_line("2", name="Lamp"))
    cn = invoice(inv_line(ref="2", name="Lamp"), credit=True, po=None, preceding=("INV-1",))
    assert codes(inputs(cn, po=po, credit_target=_target())) == {R.CREDIT_NOTE_UNMATCHED}


def test_every_reason_code_of_matching_has_a_test():
    from service.reasons import LIFECYCLE_CODES, VALIDATION_CODES, ReasonCode

    tested = {name for name in globals() if name.startswith("test_")}
    text = " ".join(tested)
    for code in set(ReasonCode) - VALIDATION_CODES - LIFECYCLE_CODES:
        assert code.value.lower() in text, code


def test_supplier_facts_are_compared_as_strings():
    assert match(inputs(supplier=SupplierFacts("sup-1", ibans=("nl91 abna 0417 1643 00",)))).approved
