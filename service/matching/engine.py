"""The matching engine: ``match(inputs) -> Decision`` (pure and deterministic).

Every check the engine performs is reported (pass, fail or skip) with the line it concerns, what was
expected, what was found and the tolerance applied; the decision approves only when nothing failed.
The same ``MatchInputs`` always give the same ``Decision``; the order of invoice or order lines does
not change it (lines are aggregated per order line, and checks are sorted deterministically).

``match(inputs, version=...)`` decides with the rules of an earlier engine version (see
``versions``): that is how a stored decision replays to its own outcome.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from service.matching.checks import Checks, Note, fmt, money, round2
from service.matching.orderlines import credit_note_lines, order_invoice_lines
from service.normal_forms import invoice_number_changes, invoice_number_keys, order_key
from service.matching.types import (
    ACCEPTABLE_VARIANCES,
    ENGINE_VERSION,
    ZERO,
    CheckOutcome,
    Decision,
    InvoiceFacts,
    LedgerDelta,
    MatchInputs,
    Outcome,
    PriorInvoice,
)
from service.matching.versions import rules_for
from service.reasons import ReasonCode as R

APPROVED_STATES = frozenset({"approved", "booked", "paid"})
LOOKALIKE_DAYS = 90  # an invoice number that differs only in its writing, within this many days

__all__ = ["match", "fmt", "money", "round2", "LOOKALIKE_DAYS"]


def match(inputs: MatchInputs, version: str | None = None) -> Decision:
    """Decide ``approve`` or ``review`` for one invoice or credit note; see the module docstring.

    ``version``: an engine version of ``versions.RULES`` (default: the current one); an unknown one
    raises ``versions.UnknownEngineVersion``.
    """
    rules = rules_for(version)
    inv = inputs.invoice
    checks = Checks(rules)
    deltas: dict[str, Decimal] = {}
    pairing: dict[str, str] = {}

    _supplier_and_account(inputs, checks)
    _duplicates(inputs, checks)

    if inv.is_credit_note:
        _credit_note(inputs, checks, deltas, pairing)
    elif (inv.order_reference or "").strip() or (rules.order_by_other_reference and inputs.order is not None):
        _order_invoice(inputs, checks, deltas, pairing)
    else:
        _standing_order(inputs, checks, deltas)

    _total(inv, inputs.policy.total_abs, checks)
    _mark_accepted(inputs, checks)

    failed = [c for c in checks.items if c.outcome is CheckOutcome.failed]
    codes: list[str] = []
    for c in failed:
        if c.code and c.code not in codes:
            codes.append(c.code)
    outcome = Outcome.review if failed else Outcome.approve
    ledger_delta = tuple(LedgerDelta(k, v) for k, v in sorted(deltas.items()) if v)
    return Decision(outcome=outcome, checks=tuple(checks.items), reason_codes=tuple(codes),
                    ledger_delta=ledger_delta, pairing=pairing, engine_version=version or ENGINE_VERSION)


def _mark_accepted(inputs: MatchInputs, checks: Checks) -> None:
    """A variance a person accepted stays a failed check (the machine never approves it), marked
    with who accepted it and why: a person's approval is what is left (four-eyes rules apply)."""
    if not inputs.accepted_variances:
        return
    for i, c in enumerate(checks.items):
        if c.outcome is not CheckOutcome.failed or c.code not in ACCEPTABLE_VARIANCES:
            continue
        lines = {part.strip() for part in (c.line_id or "").split(",")}
        for av in inputs.accepted_variances:
            if av.code == c.code and av.line_id in lines:
                checks.items[i] = replace(c, accepted=f"{av.actor}: {av.reason}")
                break


# --- header: who sent it ----------------------------------------------------------------------------


def _supplier_and_account(inputs: MatchInputs, checks: Checks) -> None:
    inv, supplier = inputs.invoice, inputs.supplier
    checks.add("supplier_known", supplier is not None, R.SUPPLIER_UNKNOWN,
               actual=supplier.supplier_id if supplier else None)
    if supplier is None or inv.is_credit_note:
        checks.add("bank_account", None)
        return
    if not inv.ibans:
        checks.add("bank_account", True, expected="(geen betaalrekening op factuur / no account on invoice)")
        return
    key = checks.rules.iban_key
    known = {key(i) for i in supplier.ibans}
    for iban in sorted({key(i) for i in inv.ibans}):
        checks.add("bank_account", iban in known, R.BANK_ACCOUNT_UNVERIFIED,
                   expected=", ".join(sorted(known)) or "-", actual=iban)
    for raw in sorted(set(inv.ibans)):
        if raw != key(raw) and key(raw) in known:
            checks.explain("iban_format", expected=key(raw), actual=raw,
                           note=("IBAN vergeleken zonder spaties en leestekens, in hoofdletters.",
                                 "IBAN compared without spaces and punctuation, in upper case."))


def _duplicates(inputs: MatchInputs, checks: Checks) -> None:
    """Engine 1: any other number of the seller with the same BT-112 and BT-2 (``similar_invoices``).
    Engine 2 adds the content rules over ``prior_invoices``: same amount, date and order (or both
    without one), or an invoice number written differently within ``LOOKALIKE_DAYS``. From 2.1 at
    most ``rules.duplicates_listed`` are listed, the most alike first, and one more check counts the
    rest: a seller with thousands of look-alikes must not give an invoice thousands of reasons."""
    legacy = sorted(inputs.similar_invoices)
    if not checks.rules.duplicates_by_content:
        checks.add("duplicate_suspected", not legacy, R.DUPLICATE_SUSPECTED, expected="-",
                   actual=", ".join(legacy) or "-")
        return
    flagged = 0
    if legacy:  # callers that still send engine 1's list
        flagged += 1
        checks.add("duplicate_suspected", False, R.DUPLICATE_SUSPECTED, expected="-", actual=", ".join(legacy))
    inv = inputs.invoice
    own_order = order_key(inputs.order.number if inputs.order is not None else inv.order_reference) or None
    own_keys = invoice_number_keys(inv.number)
    supplier_id = inputs.supplier.supplier_id if inputs.supplier is not None else None
    found: list[tuple[int, PriorInvoice, Note]] = []
    for prior in sorted(inputs.prior_invoices, key=lambda p: (p.number, p.invoice_id)):
        if prior.number == inv.number or prior.credit_note != inv.is_credit_note:
            continue
        if supplier_id is not None and prior.supplier_id is not None and str(prior.supplier_id) != str(supplier_id):
            continue  # the same number at another supplier is never a duplicate
        rank, note = _resemblance(inv, prior, own_order, own_keys)
        if note:
            found.append((rank, prior, note))
    listed = checks.rules.duplicates_listed
    if listed is not None:
        found.sort(key=lambda f: (f[0], _days_apart(inv, f[1]), f[1].number, f[1].invoice_id))
    for _, prior, note in found[:listed]:
        flagged += 1
        checks.add("duplicate_suspected", False, R.DUPLICATE_SUSPECTED, expected="-",
                   actual=f"{prior.number} ({prior.issue_date or '-'}, "
                          f"{money(prior.amount) if prior.amount is not None else '-'}, "
                          f"order {prior.order_number or '-'})",
                   note=note, related_invoice_id=prior.invoice_id)
    if listed is not None and len(found) > listed:
        more = len(found) - listed
        checks.add("duplicate_suspected", False, R.DUPLICATE_SUSPECTED, expected="-", actual=f"+{more}",
                   note=(f"Nog {more} eerdere facturen lijken op deze; alleen de {listed} meest gelijkende "
                         "staan hierboven.", f"{more} more earlier invoices resemble this one; only the {listed} "
                         "most alike are listed above."))
    if not flagged:
        checks.add("duplicate_suspected", True, expected="-", actual="-",
                   note=(f"{len(inputs.prior_invoices)} eerdere facturen vergeleken.",
                         f"{len(inputs.prior_invoices)} earlier invoices compared."))


def _days_apart(inv: InvoiceFacts, prior: PriorInvoice) -> int:
    if inv.issue_date is None or prior.issue_date is None:
        return LOOKALIKE_DAYS + 1
    return abs((inv.issue_date - prior.issue_date).days)


_CHANGE_TEXT = {"punctuation": ("leestekens", "punctuation"), "case": ("hoofdletters", "letter case"),
                "leading_zeros": ("voorloopnullen", "leading zeros")}


def _resemblance(inv: InvoiceFacts, prior: PriorInvoice, own_order: str | None,
                 own_keys: tuple[str, str]) -> tuple[int, tuple[str, str] | None]:
    """Why ``prior`` looks like the same invoice (Dutch, English), or None when it does not; with a
    rank (0: same content, 1: a number written otherwise) that orders the most alike first."""
    same_order = (order_key(prior.order_number) or None) == own_order
    if (prior.amount is not None and prior.amount == inv.tax_inclusive and prior.issue_date == inv.issue_date
            and same_order):
        return 0, ("Zelfde bedrag, factuurdatum en inkooporder (of beide zonder order).",
                   "Same amount, issue date and purchase order (or both without an order).")
    keys = invoice_number_keys(prior.number)
    if any(k and k == own for k, own in zip(keys, own_keys)) and inv.issue_date is not None \
            and prior.issue_date is not None \
            and abs(inv.issue_date - prior.issue_date) <= timedelta(days=LOOKALIKE_DAYS):
        changes = invoice_number_changes(inv.number, prior.number)
        nl = ", ".join(_CHANGE_TEXT[c][0] for c in changes)
        en = ", ".join(_CHANGE_TEXT[c][1] for c in changes)
        return 1, (f"Factuurnummer verschilt alleen in {nl} (binnen {LOOKALIKE_DAYS} dagen).",
                   f"Invoice number differs only in {en} (within {LOOKALIKE_DAYS} days).")
    return 1, None


# --- invoices against a purchase order -----------------------------------------------------------


_FIELD_TEXT = {"BT-13": ("BT-13 (inkooporderverwijzing)", "BT-13 (purchase order reference)"),
               "BT-10": ("BT-10 (referentie koper)", "BT-10 (buyer reference)"),
               "BT-25": ("BT-25 (gecorrigeerde factuur)", "BT-25 (corrected invoice)")}
_NORM_TEXT = {"case": ("hoofdletters", "letter case"), "spaces": ("spaties", "spaces")}


def _explain_lookup(inputs: MatchInputs, checks: Checks) -> None:
    ref = inputs.order_found_by
    if ref is None or inputs.order is None or (ref.field == "BT-13" and not ref.normalisations):
        return
    nl_field, en_field = _FIELD_TEXT.get(ref.field, (ref.field, ref.field))
    nl, en = f"Order gevonden via {nl_field}", f"Order found through {en_field}"
    if ref.via_invoice:
        nl, en = nl + f", factuur {ref.via_invoice}", en + f", invoice {ref.via_invoice}"
    if ref.normalisations:
        nl += " (" + " en ".join(_NORM_TEXT[n][0] for n in ref.normalisations) + " genegeerd)"
        en += " (" + " and ".join(_NORM_TEXT[n][1] for n in ref.normalisations) + " ignored)"
    checks.explain("order_lookup", expected=ref.order_number, actual=f"{ref.field} {ref.value!r}",
                   note=(f"{nl}.", f"{en}."))


def _order_header(inputs: MatchInputs, checks: Checks, currency_of: str) -> bool:
    """Found / open / supplier / currency. True when the invoice is tied to this order."""
    inv, order, supplier = inputs.invoice, inputs.order, inputs.supplier
    if order is None:
        checks.add("order_found", False, R.PO_NOT_FOUND, expected="-",
                   actual=inputs.order_lookup or inv.order_reference)
        return False
    checks.add("order_found", True, actual=f"{order.number} v{order.version}")
    _explain_lookup(inputs, checks)
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


def _order_invoice(inputs: MatchInputs, checks: Checks, deltas: dict[str, Decimal],
                   pairing: dict[str, str]) -> None:
    inv, order = inputs.invoice, inputs.order
    if (inv.order_reference or "").strip():
        checks.add("order_reference", True, actual=inv.order_reference)
    else:
        ref = inputs.order_found_by
        checks.add("order_reference", True, actual=f"{ref.field} {ref.value}" if ref else "-")
    tied = _order_header(inputs, checks, inv.currency)
    if order is None:
        return
    order_invoice_lines(inputs, checks, deltas, pairing, tied=tied)


# --- invoices without an order: standing orders --------------------------------------------------


def _standing_order(inputs: MatchInputs, checks: Checks, deltas: dict[str, Decimal]) -> None:
    inv, so = inputs.invoice, inputs.standing_order
    if so is None:
        checks.add("order_reference", False, R.PO_REFERENCE_MISSING, expected="BT-13 of vaste opdracht / or standing order",
                   actual="-")
        return
    checks.add("order_reference", None, note=("Geen BT-13; vaste opdracht gebruikt.", "No BT-13; standing order used."))
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


def _credit_note(inputs: MatchInputs, checks: Checks, deltas: dict[str, Decimal],
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
        checks.add("credit_quantity", None, note=("Geen inkooporder bij de factuur.", "The invoice has no order."))
        return
    _explain_lookup(inputs, checks)
    credit_note_lines(inputs, checks, deltas, pairing)


# --- the document total --------------------------------------------------------------------------


def _total(inv: InvoiceFacts, tolerance: Decimal, checks: Checks) -> None:
    """BT-112 against the total recomputed from the lines (quantity x price, line and document
    allowances and charges, VAT per category and rate, each rounded to cents); BT-115 against that
    total less what was paid before (BT-113), plus the rounding amount (BT-114, engine 2)."""
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
    rates = sorted({rate for (_, rate) in taxable})
    checks.add("total", abs(diff) <= tolerance, R.TOTAL_VARIANCE, expected=money(expected),
               actual=money(inv.tax_inclusive), tolerance=money(tolerance))
    if len(rates) > 1:
        checks.explain("vat_breakdown", expected=money(vat),
                       actual=" + ".join(f"{fmt(rate)}%: {money(round2(base * rate / 100))}"
                                         for (_, rate), base in sorted(taxable.items())),
                       note=("Btw per tarief berekend en afgerond.", "VAT computed and rounded per rate."))
    if inv.payable is None:
        return
    if not checks.rules.rounding_checked:
        # BT-115 = BT-112 - BT-113 + BT-114: a large "rounding amount" (BT-114) would pass validation
        # but change what is paid.
        due = expected - inv.prepaid
        checks.add("payable", abs(inv.payable - due) <= tolerance, R.TOTAL_VARIANCE, expected=money(due),
                   actual=money(inv.payable), tolerance=money(tolerance))
        return
    checks.add("rounding", abs(inv.rounding) <= tolerance, R.TOTAL_VARIANCE, expected=f"<= {money(tolerance)}",
               actual=money(inv.rounding), tolerance=money(tolerance))
    due = expected - inv.prepaid + inv.rounding
    checks.add("payable", abs(inv.payable - due) <= tolerance, R.TOTAL_VARIANCE, expected=money(due),
               actual=money(inv.payable), tolerance=money(tolerance))
    if inv.prepaid or inv.rounding:
        checks.explain("prepaid_rounding", expected=money(due),
                       actual=f"{money(expected)} - {money(inv.prepaid)} + {money(inv.rounding)}",
                       note=("Vooruitbetaald (BT-113) afgetrokken en afronding (BT-114) opgeteld.",
                             "Prepaid amount (BT-113) subtracted and rounding amount (BT-114) added."))
