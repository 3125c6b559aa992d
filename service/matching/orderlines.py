"""Line checks of an invoice or credit note against its order (pure): pairing, unit, price, VAT,
quantities per order line (invoice lines summed, receipts and returns netted) and charges."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from service.matching.checks import CENT, Checks, Note, fmt, money, round2
from service.matching.pairing import LinePairer, Pairing, invoice_unit_price_in_order_unit, order_unit_price
from service.matching.types import (
    ZERO,
    AllowanceCharge,
    InvoiceFacts,
    InvoiceLine,
    MatchInputs,
    OrderLine,
    Policy,
    ReceiptMode,
)
from service.matching.units import convert, factor_text, family, ratio
from service.reasons import ReasonCode as R

Entries = list[tuple[Pairing, Decimal]]
# Engine 2 compares quantities to a millionth of the order's unit: converted quantities (1 HUR is
# 1/24 DAY) are rounded to 8 decimals, and 24 such roundings must not make 24 hours exceed a day.
QTY_EPSILON = Decimal("0.000001")


def _eps(checks: Checks) -> Decimal:
    return QTY_EPSILON if checks.rules.exact_conversion else ZERO


def _pairer(inputs: MatchInputs, checks: Checks) -> LinePairer:
    assert inputs.order is not None
    return LinePairer(inputs.order.lines, inputs.policy.price_over_pct, table=checks.rules.units,
                      flag_several=checks.rules.several_order_lines_flagged,
                      manual={p.line_id: p.order_line_id.strip() for p in inputs.manual_pairings})


def order_invoice_lines(inputs: MatchInputs, checks: Checks, deltas: dict[str, Decimal],
                        pairing: dict[str, str], *, tied: bool) -> None:
    inv, order, policy = inputs.invoice, inputs.order, inputs.policy
    assert order is not None
    same_currency = order.currency.upper() == inv.currency.upper()
    pairer = _pairer(inputs, checks)
    per_order_line: dict[str, Entries] = defaultdict(list)
    for line in sorted(inv.lines, key=lambda ln: ln.line_id):
        p = pairer.pair(line)
        qty = _pair_line(p, checks, same_currency, inputs)
        if p.order_line is not None:
            pairing[line.line_id] = p.order_line.line_id
            if qty is not None:
                per_order_line[p.order_line.line_id].append((p, qty))
    by_id = {ol.line_id: ol for ol in order.lines}
    received_by_line = _received(inputs, checks)
    for ol_id in sorted(per_order_line):
        ol = by_id[ol_id]
        entries = per_order_line[ol_id]
        qty = sum((q for _, q in entries), ZERO)
        line_ids = ",".join(p.invoice_line.line_id for p, _ in entries)
        if len(entries) > 1:
            checks.explain("lines_summed", line_id=line_ids, order_line_id=ol_id, expected=f"{fmt(qty)} {ol.unit_code}",
                           actual=" + ".join(f"{fmt(q)}" for _, q in entries) + f" = {fmt(qty)} {ol.unit_code}",
                           note=("Meerdere factuurregels voor één orderregel opgeteld vóór de hoeveelheidstoets.",
                                 "Several invoice lines for one order line summed before the quantity tests."))
        before = inputs.ledger.invoiced.get(ol_id, ZERO)
        cumulative = before + qty
        pct = policy.quantity_over_pct
        limit = ol.quantity * (1 + pct / 100)
        tol = f"{fmt(pct)}%"
        eps = _eps(checks)
        checks.add("quantity_ordered", cumulative <= limit + eps, R.QUANTITY_EXCEEDS_ORDERED, line_id=line_ids,
                   order_line_id=ol_id, expected=f"<= {fmt(ol.quantity)} {ol.unit_code}",
                   actual=f"{fmt(before)} + {fmt(qty)} = {fmt(cumulative)} {ol.unit_code}", tolerance=tol)
        if _needs_receipt(ol, policy.receipt_mode):
            received = received_by_line.get(ol_id, ZERO)
            if received <= 0 and qty > 0:
                checks.add("quantity_received", False, R.NOT_RECEIVED, line_id=line_ids, order_line_id=ol_id,
                           expected=f"> 0 {ol.unit_code}", actual=f"{fmt(received)} {ol.unit_code}")
            else:
                checks.add("quantity_received", cumulative <= received * (1 + pct / 100) + eps,
                           R.QUANTITY_EXCEEDS_RECEIVED, line_id=line_ids, order_line_id=ol_id,
                           expected=f"<= {fmt(received)} {ol.unit_code}",
                           actual=f"{fmt(before)} + {fmt(qty)} = {fmt(cumulative)} {ol.unit_code}",
                           tolerance=tol)
            _explain_receipts(inputs, checks, ol, line_ids)
        else:
            checks.add("quantity_received", None, line_id=line_ids, order_line_id=ol_id,
                       note=("2-weg: geen ontvangst nodig.", "2-way: no receipt needed."))
        if tied:
            deltas[ol_id] = deltas.get(ol_id, ZERO) + qty
    _charges(inv, order.lines, policy, checks)


def _received(inputs: MatchInputs, checks: Checks) -> dict[str, Decimal]:
    """Received quantity per order line: receipts and returns netted (engine 2, from the
    movements), or the netted totals the caller gave (engine 1, or callers without movements)."""
    receipts = inputs.receipts
    if not (checks.rules.receipt_movements and receipts.movements):
        return receipts.received
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for m in receipts.movements:
        out[m.order_line_id] += m.quantity
    return out


def _explain_receipts(inputs: MatchInputs, checks: Checks, ol: OrderLine, line_ids: str) -> None:
    moves = [m for m in inputs.receipts.movements if m.order_line_id == ol.line_id]
    if not checks.rules.receipt_movements or (len(moves) < 2 and all(m.quantity > 0 for m in moves)):
        return
    total = sum((m.quantity for m in moves), ZERO)
    parts = " ".join(f"{'+' if m.quantity > 0 else '-'} {fmt(abs(m.quantity))} ({m.receipt_id})" for m in moves)
    checks.explain("receipts_netted", line_id=line_ids, order_line_id=ol.line_id,
                   expected=f"{fmt(total)} {ol.unit_code}",
                   actual=f"{parts.lstrip('+ ')} = {fmt(total)} {ol.unit_code}",
                   note=("Ontvangsten en retouren per orderregel verrekend.",
                         "Receipts and returns netted per order line."))


def _needs_receipt(ol: OrderLine, mode: ReceiptMode) -> bool:
    if mode == ReceiptMode.two_way:  # a StrEnum: equal to the plain string read from JSON too
        return False
    if mode == ReceiptMode.three_way:
        return True
    return ol.receipt_required


def _pair_line(p: Pairing, checks: Checks, same_currency: bool, inputs: MatchInputs,
               *, price: bool = True) -> Decimal | None:
    """Pairing, unit, price and VAT checks of one line; the quantity in order units (or None)."""
    line, ol = p.invoice_line, p.order_line
    note: Note | None = None
    if ol is None:
        if p.status == "ambiguous":
            note = ((f"Gezocht op {p.method}.", f"Searched by {p.method}.") if p.method != "order_line_refs" else
                    ("Eén factuurregel noemt meerdere orderregels (BT-132): niet verdeeld.",
                     "One invoice line names several order lines (BT-132): not split."))
            checks.add("line_pairing", False, R.LINE_AMBIGUOUS, line_id=line.line_id,
                       expected="1 orderregel / 1 order line", actual=", ".join(p.candidates), note=note)
        else:
            checks.add("line_pairing", False, R.LINE_NOT_MATCHED, line_id=line.line_id,
                       expected=line.order_line_ref or line.seller_item_id or line.standard_item_id or line.name,
                       actual="-", note=(f"Gezocht op {p.method}.", f"Searched by {p.method}."))
        return None
    checks.add("line_pairing", True, line_id=line.line_id, order_line_id=ol.line_id, actual=p.method)
    table = checks.rules.units
    found = ratio(line.unit_code, ol.unit_code, table)
    if found is None:
        if checks.rules.explain_normalisations:
            fam_a, fam_b = family(line.unit_code, table), family(ol.unit_code, table)
            note = (f"{line.unit_code} ({fam_a or 'zonder omrekenfactor'}) is niet om te rekenen naar "
                    f"{ol.unit_code} ({fam_b or 'zonder omrekenfactor'}).", f"{line.unit_code} ({fam_a or 'no factor'}) "
                    f"does not convert to {ol.unit_code} ({fam_b or 'no factor'}).")
        checks.add("unit", False, R.UNIT_MISMATCH, line_id=line.line_id, order_line_id=ol.line_id,
                   expected=ol.unit_code, actual=line.unit_code, note=note)
        checks.add("price", None, line_id=line.line_id, order_line_id=ol.line_id)
        _vat(line, ol, checks)
        return None
    checks.add("unit", True, R.UNIT_MISMATCH, line_id=line.line_id, order_line_id=ol.line_id,
               expected=ol.unit_code, actual=line.unit_code)
    num, den = found
    if checks.rules.exact_conversion:
        qty = convert(line.quantity, num, den)
    else:
        qty = line.quantity * (num / den)
    if line.unit_code.strip().upper() != ol.unit_code.strip().upper():
        how = factor_text(num, den)
        how_nl = how.replace("x", "×", 1)
        checks.explain("unit_conversion", line_id=line.line_id, order_line_id=ol.line_id,
                       expected=f"{fmt(qty)} {ol.unit_code}", actual=f"{fmt(line.quantity)} {line.unit_code}",
                       note=(f"{line.unit_code} omgerekend naar {ol.unit_code} {how_nl} (UN/ECE Rec 20).",
                             f"{line.unit_code} converted to {ol.unit_code} {how} (UN/ECE Rec 20)."))
    if not price:
        pass
    elif not same_currency:
        checks.add("price", None, line_id=line.line_id, order_line_id=ol.line_id)
    elif checks.rules.net_price_test:
        _net_price(line, ol, num, den, inputs.policy, checks)
    else:
        _price_1(line, ol, qty, inputs.policy, checks)
    _vat(line, ol, checks)
    return qty


def _tolerance_text(policy: Policy) -> str:
    return f"+{fmt(policy.price_over_pct)}%" + (
        f" / -{fmt(policy.price_under_pct)}%" if policy.price_under_pct is not None else "")


def _price_1(line: InvoiceLine, ol: OrderLine, qty: Decimal, policy: Policy, checks: Checks) -> None:
    """Engine 1: effective net price per order unit (line allowances/charges included)."""
    expected = order_unit_price(ol)
    listed = invoice_unit_price_in_order_unit(line, ol, checks.rules.units)
    if qty:
        effective = line.net_amount / qty
    else:
        effective = listed if listed is not None else ZERO
    # BT-131 is rounded to cents: compare amounts so that rounding never fails a correct price.
    upper = expected * (1 + policy.price_over_pct / 100)
    ok = abs(line.net_amount) <= round2(abs(qty) * upper) + CENT if qty else effective <= upper
    if ok and policy.price_under_pct is not None:
        lower = expected * (1 - policy.price_under_pct / 100)
        ok = abs(line.net_amount) + CENT >= round2(abs(qty) * lower) if qty else effective >= lower
    checks.add("price", ok, R.PRICE_VARIANCE, line_id=line.line_id, order_line_id=ol.line_id,
               expected=f"{fmt(round(expected, 6))} per {ol.unit_code}",
               actual=f"{fmt(round(effective, 6))} per {ol.unit_code}", tolerance=_tolerance_text(policy))


def _net_price(line: InvoiceLine, ol: OrderLine, num: Decimal, den: Decimal, policy: Policy,
               checks: Checks) -> None:
    """Engine 2: the item net price (BT-146, after the price discount BT-147 on the gross price BT-148)
    per base quantity (BT-149), in the order line's unit, against the order's price per its base
    quantity. Line allowances and charges (BG-27/BG-28) change BT-131, not this test.

    Compared by cross-multiplication (no division, so no repeating decimals): four-decimal prices
    and converted units compare exactly.
    """
    expected = order_unit_price(ol)
    base = line.base_quantity or Decimal(1)
    listed = line.net_price * den / (base * num)
    # per order unit: invoice net_price * den / (base * num) against the order's unit_price / order_base
    order_base = ol.base_quantity or Decimal(1)
    ours = order_base * den
    theirs = ol.unit_price * base * num
    ok = line.net_price * ours <= theirs * (1 + policy.price_over_pct / 100)
    if ok and policy.price_under_pct is not None:
        ok = line.net_price * ours >= theirs * (1 - policy.price_under_pct / 100)
    checks.add("price", ok, R.PRICE_VARIANCE, line_id=line.line_id, order_line_id=ol.line_id,
               expected=f"{fmt(round(expected, 6))} per {ol.unit_code}",
               actual=f"{fmt(round(listed, 6))} per {ol.unit_code}", tolerance=_tolerance_text(policy))
    if base != 1 or num != den:
        checks.explain("price_conversion", line_id=line.line_id, order_line_id=ol.line_id,
                       expected=f"{fmt(round(listed, 6))} per {ol.unit_code}",
                       actual=f"{fmt(line.net_price)} per {fmt(base)} {line.unit_code}",
                       note=(f"Prijs per {fmt(base)} {line.unit_code} (BT-149) omgerekend naar per {ol.unit_code}.",
                             f"Price per {fmt(base)} {line.unit_code} (BT-149) converted to per {ol.unit_code}."))
    if line.gross_price is not None and line.gross_price != line.net_price:
        discount = line.price_discount or line.gross_price - line.net_price
        checks.explain("price_discount", line_id=line.line_id, order_line_id=ol.line_id,
                       expected=f"BT-146 {fmt(line.net_price)}",
                       actual=f"BT-148 {fmt(line.gross_price)} - BT-147 {fmt(discount)}",
                       note=("Netto prijs na prijskorting vergeleken.", "Net price after the price discount compared."))


def _vat(line: InvoiceLine, ol: OrderLine, checks: Checks) -> None:
    if ol.vat_category is None and ol.vat_rate is None:
        checks.add("vat", None, line_id=line.line_id, order_line_id=ol.line_id)
        return
    same_cat = ol.vat_category is None or (line.vat_category or "").upper() == ol.vat_category.upper()
    same_rate = ol.vat_rate is None or (line.vat_rate or ZERO) == ol.vat_rate
    checks.add("vat", same_cat and same_rate, R.VAT_MISMATCH, line_id=line.line_id, order_line_id=ol.line_id,
               expected=f"{ol.vat_category or '-'} {fmt(ol.vat_rate) or '-'}%",
               actual=f"{line.vat_category or '-'} {fmt(line.vat_rate) or '-'}%")


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _charges(inv: InvoiceFacts, order_lines: tuple[OrderLine, ...], policy: Policy, checks: Checks) -> None:
    """Charges pass when the order has a line for them, or when small in total: document charges
    (BG-21) and, engine 2, line charges (BG-28), which raise a line's amount above its price."""
    charges: list[tuple[str | None, AllowanceCharge]] = [(None, ac) for ac in inv.allowances_charges if ac.charge]
    if checks.rules.line_charges_checked:
        charges += [(ln.line_id, ac) for ln in sorted(inv.lines, key=lambda ln: ln.line_id)
                    for ac in ln.allowances_charges if ac.charge]
    if not charges:
        return
    by_name: dict[str, list[OrderLine]] = defaultdict(list)
    for ol in order_lines:
        by_name[_norm(ol.name)].append(ol)
        if ol.seller_item_id:
            by_name[_norm(ol.seller_item_id)].append(ol)
    unmatched = []
    for i, (line_id, ac) in enumerate(charges, 1):
        keys = [_norm(k) for k in (ac.reason, ac.reason_code)]
        found = next((by_name[k] for k in keys if k and by_name.get(k)), None)
        label = ac.reason or ac.reason_code or f"#{i}"
        if found and len(found) == 1:
            ol = found[0]
            limit = round2(ol.quantity * order_unit_price(ol) * (1 + policy.price_over_pct / 100))
            checks.add("charge", ac.amount <= limit, R.CHARGE_NOT_ON_PO, line_id=line_id, order_line_id=ol.line_id,
                       expected=f"<= {money(limit)}", actual=f"{label}: {money(ac.amount)}",
                       tolerance=f"+{fmt(policy.price_over_pct)}%")
        else:
            unmatched.append((line_id, label, ac))
    if not unmatched:
        return
    total = sum((ac.amount for _, _, ac in unmatched), ZERO)
    ok = total <= policy.charge_abs
    for line_id, label, ac in unmatched:
        checks.add("charge", ok, R.CHARGE_NOT_ON_PO, line_id=line_id,
                   expected="orderregel of binnen tolerantie / order line or within tolerance",
                   actual=f"{label}: {money(ac.amount)}", tolerance=money(policy.charge_abs))


# --- credit notes ------------------------------------------------------------------------------


def credit_note_lines(inputs: MatchInputs, checks: Checks, deltas: dict[str, Decimal],
                      pairing: dict[str, str]) -> None:
    inv, target = inputs.invoice, inputs.credit_target
    assert target is not None
    pairer = _pairer(inputs, checks)
    per_line: dict[str, Entries] = defaultdict(list)
    for line in sorted(inv.lines, key=lambda ln: ln.line_id):
        p = pairer.pair(line)
        if p.order_line is None:
            checks.add("line_pairing", False, R.CREDIT_NOTE_UNMATCHED, line_id=line.line_id,
                       expected=line.order_line_ref or line.seller_item_id or line.name, actual="-")
            continue
        qty = _pair_line(p, checks, True, inputs, price=False)
        pairing[line.line_id] = p.order_line.line_id
        if qty is not None:
            per_line[p.order_line.line_id].append((p, qty))
    for ol_id in sorted(per_line):
        entries = per_line[ol_id]
        qty = sum((q for _, q in entries), ZERO)
        invoiced = target.invoiced.get(ol_id, ZERO)
        before = inputs.ledger.credited.get(ol_id, ZERO)
        checks.add("credit_quantity", before + qty <= invoiced + _eps(checks), R.CREDIT_NOTE_UNMATCHED,
                   line_id=",".join(p.invoice_line.line_id for p, _ in entries), order_line_id=ol_id,
                   expected=f"<= {fmt(invoiced)} (factuur/invoice {target.number})",
                   actual=f"{fmt(before)} + {fmt(qty)} = {fmt(before + qty)}")
        deltas[ol_id] = deltas.get(ol_id, ZERO) - qty
