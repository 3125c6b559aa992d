"""The matching engine: ``match(inputs) -> Decision`` (pure and deterministic).

Every check the engine performs is reported (pass, fail or skip) with the line it concerns, what was
expected, what was found and the tolerance applied; the decision approves only when nothing failed.
The same ``MatchInputs`` always give the same ``Decision``; the order of invoice or order lines does
not change it (lines are aggregated per order line, and checks are sorted deterministically).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from service.matching.pairing import LinePairer, Pairing, invoice_unit_price_in_order_unit, order_unit_price
from service.matching.types import (
    ZERO,
    Check,
    CheckOutcome,
    Decision,
    InvoiceFacts,
    LedgerDelta,
    MatchInputs,
    OrderLine,
    Outcome,
    ReceiptMode,
)
from service.matching.units import conversion_factor
from service.reasons import ReasonCode as R

CENT = Decimal("0.01")
APPROVED_STATES = frozenset({"approved", "booked", "paid"})


def fmt(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent or trailing zeros (``1.50`` -> ``1.5``)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(int(value))
    value = value.normalize()
    if value.as_tuple().exponent > 0:
        value = value.quantize(Decimal(1))
    return format(value, "f")


def money(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def norm_iban(value: str) -> str:
    return "".join(value.split()).upper()


class _Checks:
    def __init__(self) -> None:
        self.items: list[Check] = []

    def add(self, name: str, ok: bool | None, code: R | None = None, *, line_id: str | None = None,
            order_line_id: str | None = None, expected: str | None = None, actual: str | None = None,
            tolerance: str | None = None, note: str = "") -> bool:
        """Record a check; ``ok=None`` means skipped. Returns ``ok`` (False for skipped)."""
        outcome = CheckOutcome.skipped if ok is None else CheckOutcome.passed if ok else CheckOutcome.failed
        failed_code = code.value if outcome is CheckOutcome.failed and code is not None else None
        self.items.append(Check(name=name, outcome=outcome, line_id=line_id, order_line_id=order_line_id,
                                expected=expected, actual=actual, tolerance=tolerance, code=failed_code,
                                note=note))
        return bool(ok)


def match(inputs: MatchInputs) -> Decision:
    """Decide ``approve`` or ``review`` for one invoice or credit note; see the module docstring."""
    inv = inputs.invoice
    policy = inputs.policy
    checks = _Checks()
    deltas: dict[str, Decimal] = {}
    pairing: dict[str, str] = {}

    # --- header: who sent it ------------------------------------------------------------------
    supplier = inputs.supplier
    checks.add("supplier_known", supplier is not None, R.SUPPLIER_UNKNOWN,
               actual=supplier.supplier_id if supplier else None)
    if supplier is None or inv.is_credit_note:
        checks.add("bank_account", None)
    elif not inv.ibans:
        checks.add("bank_account", True, expected="(geen betaalrekening op factuur / no account on invoice)")
    else:
        known = {norm_iban(i) for i in supplier.ibans}
        for iban in sorted({norm_iban(i) for i in inv.ibans}):
            checks.add("bank_account", iban in known, R.BANK_ACCOUNT_UNVERIFIED,
                       expected=", ".join(sorted(known)) or "-", actual=iban)
    checks.add("duplicate_suspected", not inputs.similar_invoices, R.DUPLICATE_SUSPECTED,
               expected="-", actual=", ".join(sorted(inputs.similar_invoices)) or "-")

    # --- header: what it is for ---------------------------------------------------------------
    if inv.is_credit_note:
        _credit_note(inputs, checks, deltas, pairing)
    elif not (inv.order_reference or "").strip():
        _standing_order(inputs, checks, deltas)
    else:
        _order_invoice(inputs, checks, deltas, pairing)

    _total(inv, policy.total_abs, checks)

    failed = [c for c in checks.items if c.outcome is CheckOutcome.failed]
    codes: list[str] = []
    for c in failed:
        if c.code and c.code not in codes:
            codes.append(c.code)
    outcome = Outcome.review if failed else Outcome.approve
    ledger_delta = tuple(LedgerDelta(k, v) for k, v in sorted(deltas.items()) if v)
    return Decision(outcome=outcome, checks=tuple(checks.items), reason_codes=tuple(codes),
                    ledger_delta=ledger_delta, pairing=pairing)


# --- invoices against a purchase order -----------------------------------------------------------


def _order_header(inputs: MatchInputs, checks: _Checks, currency_of: str) -> bool:
    """Found / open / supplier / currency. True when the invoice is tied to this order."""
    inv, order, supplier = inputs.invoice, inputs.order, inputs.supplier
    if order is None:
        checks.add("order_found", False, R.PO_NOT_FOUND, expected="-",
                   actual=inputs.order_lookup or inv.order_reference)
        return False
    checks.add("order_found", True, actual=f"{order.number} v{order.version}")
    is_open = checks.add("order_open", order.is_open, R.PO_CLOSED, expected="open", actual=order.status)
    if supplier is None:
        ours = None
        checks.add("order_supplier", None)
    else:
        ours = checks.add("order_supplier", str(order.supplier_id) == str(supplier.supplier_id),
                          R.SUPPLIER_MISMATCH, expected=str(order.supplier_id), actual=supplier.supplier_id)
    same_currency = checks.add("currency", order.currency.upper() == currency_of.upper(), R.CURRENCY_MISMATCH,
                               expected=order.currency, actual=currency_of)
    return bool(is_open and ours and same_currency)


def _order_invoice(inputs: MatchInputs, checks: _Checks, deltas: dict[str, Decimal],
                   pairing: dict[str, str]) -> None:
    inv, order, policy = inputs.invoice, inputs.order, inputs.policy
    checks.add("order_reference", True, actual=inv.order_reference)
    tied = _order_header(inputs, checks, inv.currency)
    if order is None:
        return
    same_currency = order.currency.upper() == inv.currency.upper()
    pairer = LinePairer(order.lines, policy.price_over_pct)
    per_order_line: dict[str, list[tuple[Pairing, Decimal]]] = defaultdict(list)
    for line in sorted(inv.lines, key=lambda ln: ln.line_id):
        p = pairer.pair(line)
        qty = _pair_line(p, checks, same_currency, inputs)
        if p.order_line is not None:
            pairing[line.line_id] = p.order_line.line_id
            if qty is not None:
                per_order_line[p.order_line.line_id].append((p, qty))
    by_id = {ol.line_id: ol for ol in order.lines}
    for ol_id in sorted(per_order_line):
        ol = by_id[ol_id]
        entries = per_order_line[ol_id]
        qty = sum((q for _, q in entries), ZERO)
        line_ids = ",".join(p.invoice_line.line_id for p, _ in entries)
        before = inputs.ledger.invoiced.get(ol_id, ZERO)
        cumulative = before + qty
        pct = policy.quantity_over_pct
        limit = ol.quantity * (1 + pct / 100)
        tol = f"{fmt(pct)}%"
        checks.add("quantity_ordered", cumulative <= limit, R.QUANTITY_EXCEEDS_ORDERED, line_id=line_ids,
                   order_line_id=ol_id, expected=f"<= {fmt(ol.quantity)} {ol.unit_code}",
                   actual=f"{fmt(before)} + {fmt(qty)} = {fmt(cumulative)} {ol.unit_code}", tolerance=tol)
        if _needs_receipt(ol, policy.receipt_mode):
            received = inputs.receipts.received.get(ol_id, ZERO)
            if received <= 0 and qty > 0:
                checks.add("quantity_received", False, R.NOT_RECEIVED, line_id=line_ids, order_line_id=ol_id,
                           expected=f"> 0 {ol.unit_code}", actual=f"{fmt(received)} {ol.unit_code}")
            else:
                checks.add("quantity_received", cumulative <= received * (1 + pct / 100),
                           R.QUANTITY_EXCEEDS_RECEIVED, line_id=line_ids, order_line_id=ol_id,
                           expected=f"<= {fmt(received)} {ol.unit_code}",
                           actual=f"{fmt(before)} + {fmt(qty)} = {fmt(cumulative)} {ol.unit_code}",
                           tolerance=tol)
        else:
            checks.add("quantity_received", None, line_id=line_ids, order_line_id=ol_id,
                       note="2-weg: geen ontvangst nodig.|2-way: no receipt needed.")
        if tied:
            deltas[ol_id] = deltas.get(ol_id, ZERO) + qty
    _charges(inv, order.lines, policy, checks)


def _needs_receipt(ol: OrderLine, mode: ReceiptMode) -> bool:
    if mode is ReceiptMode.two_way or mode == "two_way":
        return False
    if mode is ReceiptMode.three_way or mode == "three_way":
        return True
    return ol.receipt_required


def _pair_line(p: Pairing, checks: _Checks, same_currency: bool, inputs: MatchInputs,
               *, price: bool = True) -> Decimal | None:
    """Pairing, unit, price and VAT checks of one line; the quantity in order units (or None)."""
    line, ol = p.invoice_line, p.order_line
    policy = inputs.policy
    if ol is None:
        if p.status == "ambiguous":
            checks.add("line_pairing", False, R.LINE_AMBIGUOUS, line_id=line.line_id,
                       expected="1 orderregel / 1 order line", actual=", ".join(p.candidates),
                       note=f"Gezocht op {p.method}.|Searched by {p.method}.")
        else:
            checks.add("line_pairing", False, R.LINE_NOT_MATCHED, line_id=line.line_id,
                       expected=line.order_line_ref or line.seller_item_id or line.standard_item_id or line.name,
                       actual="-", note=f"Gezocht op {p.method}.|Searched by {p.method}.")
        return None
    checks.add("line_pairing", True, line_id=line.line_id, order_line_id=ol.line_id, actual=p.method)
    factor = conversion_factor(line.unit_code, ol.unit_code)
    if not checks.add("unit", factor is not None, R.UNIT_MISMATCH, line_id=line.line_id, order_line_id=ol.line_id,
                      expected=ol.unit_code, actual=line.unit_code):
        checks.add("price", None, line_id=line.line_id, order_line_id=ol.line_id)
        _vat(line, ol, checks)
        return None
    qty = line.quantity * factor
    if not price:
        pass
    elif not same_currency:
        checks.add("price", None, line_id=line.line_id, order_line_id=ol.line_id)
    else:
        _price(line, ol, qty, policy, checks)
    _vat(line, ol, checks)
    return qty


def _price(line, ol: OrderLine, qty: Decimal, policy, checks: _Checks) -> None:
    """Effective net price per order unit (line allowances/charges included) against the order's."""
    expected = order_unit_price(ol)
    listed = invoice_unit_price_in_order_unit(line, ol)
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
    tolerance = f"+{fmt(policy.price_over_pct)}%" + (
        f" / -{fmt(policy.price_under_pct)}%" if policy.price_under_pct is not None else "")
    checks.add("price", ok, R.PRICE_VARIANCE, line_id=line.line_id, order_line_id=ol.line_id,
               expected=f"{fmt(round(expected, 6))} per {ol.unit_code}",
               actual=f"{fmt(round(effective, 6))} per {ol.unit_code}", tolerance=tolerance)


def _vat(line, ol: OrderLine, checks: _Checks) -> None:
    if ol.vat_category is None and ol.vat_rate is None:
        checks.add("vat", None, line_id=line.line_id, order_line_id=ol.line_id)
        return
    same_cat = ol.vat_category is None or (line.vat_category or "").upper() == ol.vat_category.upper()
    same_rate = ol.vat_rate is None or (line.vat_rate or ZERO) == ol.vat_rate
    checks.add("vat", same_cat and same_rate, R.VAT_MISMATCH, line_id=line.line_id, order_line_id=ol.line_id,
               expected=f"{ol.vat_category or '-'} {fmt(ol.vat_rate) or '-'}%",
               actual=f"{line.vat_category or '-'} {fmt(line.vat_rate) or '-'}%")


def _charges(inv: InvoiceFacts, order_lines, policy, checks: _Checks) -> None:
    """Document-level charges pass when the order has a line for them, or when small in total."""
    charges = [ac for ac in inv.allowances_charges if ac.charge]
    if not charges:
        return
    by_name: dict[str, list[OrderLine]] = defaultdict(list)
    for ol in order_lines:
        by_name[" ".join(ol.name.casefold().split())].append(ol)
        if ol.seller_item_id:
            by_name[" ".join(ol.seller_item_id.casefold().split())].append(ol)
    unmatched = []
    for i, ac in enumerate(charges, 1):
        keys = [" ".join((k or "").casefold().split()) for k in (ac.reason, ac.reason_code)]
        found = next((by_name[k] for k in keys if k and by_name.get(k)), None)
        label = ac.reason or ac.reason_code or f"#{i}"
        if found and len(found) == 1:
            ol = found[0]
            limit = round2(ol.quantity * order_unit_price(ol) * (1 + policy.price_over_pct / 100))
            checks.add("charge", ac.amount <= limit, R.CHARGE_NOT_ON_PO, order_line_id=ol.line_id,
                       expected=f"<= {money(limit)}", actual=f"{label}: {money(ac.amount)}",
                       tolerance=f"+{fmt(policy.price_over_pct)}%")
        else:
            unmatched.append((label, ac))
    if not unmatched:
        return
    total = sum((ac.amount for _, ac in unmatched), ZERO)
    ok = total <= policy.charge_abs
    for label, ac in unmatched:
        checks.add("charge", ok, R.CHARGE_NOT_ON_PO, expected="orderregel of binnen tolerantie / order line or within tolerance",
                   actual=f"{label}: {money(ac.amount)}", tolerance=money(policy.charge_abs))


# --- invoices without an order: standing orders --------------------------------------------------


def _standing_order(inputs: MatchInputs, checks: _Checks, deltas: dict[str, Decimal]) -> None:
    inv, so = inputs.invoice, inputs.standing_order
    if so is None:
        checks.add("order_reference", False, R.PO_REFERENCE_MISSING, expected="BT-13 of vaste opdracht / or standing order",
                   actual="-")
        return
    checks.add("order_reference", None, note="Geen BT-13; vaste opdracht gebruikt.|No BT-13; standing order used.")
    refs_ok = (so.buyer_reference and so.buyer_reference == inv.buyer_reference) or (
        so.contract_reference and so.contract_reference == inv.contract_reference)
    supplier_ok = inputs.supplier is not None and str(inputs.supplier.supplier_id) == str(so.supplier_id)
    checks.add("standing_order", bool(refs_ok and supplier_ok), R.PO_REFERENCE_MISSING,
               expected=f"{so.rule_id} v{so.version}: BT-10 {so.buyer_reference or '-'} / BT-12 {so.contract_reference or '-'}",
               actual=f"BT-10 {inv.buyer_reference or '-'} / BT-12 {inv.contract_reference or '-'}")
    in_period = inv.issue_date is not None and (so.valid_from is None or so.valid_from <= inv.issue_date) and (
        so.valid_to is None or inv.issue_date <= so.valid_to)
    checks.add("standing_order_period", in_period, R.PO_REFERENCE_MISSING,
               expected=f"{so.valid_from or '-'} .. {so.valid_to or '-'}", actual=str(inv.issue_date))
    if not checks.add("currency", so.currency.upper() == inv.currency.upper(), R.CURRENCY_MISMATCH,
                      expected=so.currency, actual=inv.currency):
        return
    tolerance = so.tolerance_abs + so.expected_amount * so.tolerance_pct / 100
    cumulative = so.invoiced_in_period + inv.tax_exclusive
    checks.add("standing_order_amount", abs(cumulative - so.expected_amount) <= tolerance or
               (so.expected_amount - tolerance <= cumulative <= so.expected_amount + tolerance),
               R.PO_REFERENCE_MISSING, expected=f"{money(so.expected_amount)} {so.currency} per {so.period}",
               actual=f"{money(so.invoiced_in_period)} + {money(inv.tax_exclusive)} = {money(cumulative)} ({so.period_key})",
               tolerance=money(tolerance))
    if refs_ok and supplier_ok:
        deltas[f"standing:{so.rule_id}:{so.period_key}"] = inv.tax_exclusive


# --- credit notes ------------------------------------------------------------------------------


def _credit_note(inputs: MatchInputs, checks: _Checks, deltas: dict[str, Decimal],
                 pairing: dict[str, str]) -> None:
    inv, target, order = inputs.invoice, inputs.credit_target, inputs.order
    if target is None:
        checks.add("credit_target", False, R.CREDIT_NOTE_UNMATCHED, expected="factuur / invoice",
                   actual=", ".join(inv.preceding_invoices) or "-")
        return
    if not checks.add("credit_target", target.status in APPROVED_STATES, R.CREDIT_NOTE_UNMATCHED,
                      expected="approved", actual=f"{target.number} ({target.status})"):
        return
    checks.add("currency", target.currency.upper() == inv.currency.upper(), R.CURRENCY_MISMATCH,
               expected=target.currency, actual=inv.currency)
    if order is None:
        # The corrected invoice had no order (standing order): tie on amount only.
        checks.add("credit_quantity", None, note="Geen inkooporder bij de factuur.|The invoice has no order.")
        return
    pairer = LinePairer(order.lines, inputs.policy.price_over_pct)
    per_line: dict[str, list[tuple[Pairing, Decimal]]] = defaultdict(list)
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
        checks.add("credit_quantity", before + qty <= invoiced, R.CREDIT_NOTE_UNMATCHED,
                   line_id=",".join(p.invoice_line.line_id for p, _ in entries), order_line_id=ol_id,
                   expected=f"<= {fmt(invoiced)} (factuur/invoice {target.number})",
                   actual=f"{fmt(before)} + {fmt(qty)} = {fmt(before + qty)}")
        deltas[ol_id] = deltas.get(ol_id, ZERO) - qty


# --- the document total --------------------------------------------------------------------------


def _total(inv: InvoiceFacts, tolerance: Decimal, checks: _Checks) -> None:
    """BT-112 against the total recomputed from the lines (quantity x price, line and document
    allowances and charges, VAT per category and rate, each rounded to cents)."""
    taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    net = ZERO
    for line in inv.lines:
        amount = line.quantity * line.net_price / (line.base_quantity or Decimal(1))
        for ac in line.allowances_charges:
            amount += ac.amount if ac.charge else -ac.amount
        amount = round2(amount)
        net += amount
        taxable[((line.vat_category or "").upper(), line.vat_rate or ZERO)] += amount
    for ac in inv.allowances_charges:
        amount = ac.amount if ac.charge else -ac.amount
        net += amount
        taxable[((ac.vat_category or "").upper(), ac.vat_rate or ZERO)] += amount
    vat = sum((round2(base * rate / 100) for (_, rate), base in taxable.items()), ZERO)
    expected = net + vat
    diff = inv.tax_inclusive - expected
    checks.add("total", abs(diff) <= tolerance, R.TOTAL_VARIANCE, expected=money(expected),
               actual=money(inv.tax_inclusive), tolerance=money(tolerance))
    if inv.payable is not None:
        # BT-115 = BT-112 - BT-113 + BT-114: a large "rounding amount" (BT-114) would pass validation
        # but change what is paid.
        due = expected - inv.prepaid
        checks.add("payable", abs(inv.payable - due) <= tolerance, R.TOTAL_VARIANCE, expected=money(due),
                   actual=money(inv.payable), tolerance=money(tolerance))
