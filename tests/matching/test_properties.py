"""Invariants of the engine, checked with hypothesis."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import Ledger, ReceiptTotals, match
from tests.matching.builders import D, inputs, inv_line, invoice, order, order_line

quantities = st.integers(min_value=1, max_value=60).map(D)
prices = st.sampled_from(["9.50", "10.00", "10.10", "10.20", "10.21", "11.00"])
units = st.sampled_from(["C62", "H87", "EA", "KGM"])


@st.composite
def scenario(draw):
    n_order = draw(st.integers(1, 5))
    order_lines = [order_line(str(i), qty=str(draw(st.integers(1, 120))), name=f"Artikel {i}",
                              receipt_required=draw(st.booleans())) for i in range(1, n_order + 1)]
    n_inv = draw(st.integers(1, 6))
    lines = []
    for j in range(1, n_inv + 1):
        ref = str(draw(st.integers(1, n_order + 1)))  # sometimes an unknown line
        by_name = draw(st.booleans())
        lines.append(inv_line(str(j), qty=str(draw(quantities)), price=draw(prices), unit=draw(units),
                              ref=None if by_name else ref, name=f"Artikel {ref}"))
    ledger = Ledger({ol.line_id: D(draw(st.integers(0, 100))) for ol in order_lines if draw(st.booleans())})
    receipts = ReceiptTotals({ol.line_id: D(draw(st.integers(0, 150))) for ol in order_lines if draw(st.booleans())})
    return inputs(invoice(*lines), po=order(*order_lines), ledger=ledger, receipts=receipts)


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_an_approved_invoice_never_takes_more_than_ordered_or_received(mi):
    d = match(mi)
    if not d.approved:
        return
    lines = {ol.line_id: ol for ol in mi.order.lines}
    for delta in d.ledger_delta:
        ol = lines[delta.order_line_id]
        cumulative = mi.ledger.invoiced.get(ol.line_id, D(0)) + delta.quantity
        assert cumulative <= ol.quantity
        if ol.receipt_required:
            assert cumulative <= mi.receipts.received.get(ol.line_id, D(0))


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_the_same_inputs_always_give_the_same_decision(mi):
    assert match(mi) == match(replace(mi))


@settings(max_examples=200, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_the_order_of_lines_does_not_matter(mi, rnd):
    inv_lines = list(mi.invoice.lines)
    order_lines = list(mi.order.lines)
    rnd.shuffle(inv_lines)
    rnd.shuffle(order_lines)
    shuffled = replace(mi, invoice=replace(mi.invoice, lines=tuple(inv_lines)),
                       order=replace(mi.order, lines=tuple(order_lines)))
    assert match(shuffled) == match(mi)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=12), st.integers(1, 150))
def test_a_stream_of_invoices_never_gets_more_approved_than_ordered(qtys, ordered):
    ledger: dict[str, D] = {}
    approved = D(0)
    for i, q in enumerate(qtys):
        mi = inputs(invoice(inv_line(qty=str(q)), number=f"INV-{i}"),
                    po=order(order_line(qty=str(ordered))), ledger=Ledger(dict(ledger)))
        d = match(mi)
        for delta in d.ledger_delta:  # under review counts as well (DESIGN.md)
            ledger[delta.order_line_id] = ledger.get(delta.order_line_id, D(0)) + delta.quantity
        if d.approved:
            approved += q
    assert approved <= ordered
