"""Frozen inputs and outputs of the matching engine (pure: no database, no FastAPI).

The engine never sees ORM rows or the parser's model: the caller turns them into these values, and a
decision stores exactly these values so that it can be recomputed later (replay).

Quantities on the order side (ordered, received, ledger) are in the order line's unit; the engine
converts invoice quantities into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from service.reasons import Reason, ReasonCode

ENGINE_VERSION = "matching-2.1.0"  # service.matching.versions keeps the earlier ones replayable

ZERO = Decimal(0)


# --- the invoice side ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllowanceCharge:
    """BG-20/BG-21 (document) or BG-27/BG-28 (line) allowance or charge."""

    charge: bool  # True = charge (BT-99/BT-141), False = allowance (BT-92/BT-136)
    amount: Decimal
    reason: str | None = None  # BT-97/BT-104 text
    reason_code: str | None = None  # BT-98/BT-105
    vat_category: str | None = None
    vat_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """BG-25 invoice line (BT-126..BT-157)."""

    line_id: str  # BT-126
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130
    net_amount: Decimal  # BT-131
    net_price: Decimal  # BT-146
    base_quantity: Decimal = Decimal(1)  # BT-149
    order_line_ref: str | None = None  # BT-132
    name: str = ""  # BT-153
    seller_item_id: str | None = None  # BT-155
    standard_item_id: str | None = None  # BT-157
    vat_category: str | None = None  # BT-151
    vat_rate: Decimal | None = None  # BT-152
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    gross_price: Decimal | None = None  # BT-148
    price_discount: Decimal | None = None  # BT-147


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What the engine reads from an EN 16931 invoice or credit note."""

    number: str  # BT-1
    issue_date: date | None  # BT-2
    type_code: str  # BT-3
    currency: str  # BT-5
    is_credit_note: bool = False
    buyer_reference: str | None = None  # BT-10
    contract_reference: str | None = None  # BT-12
    order_reference: str | None = None  # BT-13
    preceding_invoices: tuple[str, ...] = ()  # BT-25
    ibans: tuple[str, ...] = ()  # BT-84 (every credit-transfer account)
    line_total: Decimal = ZERO  # BT-106
    allowance_total: Decimal = ZERO  # BT-107
    charge_total: Decimal = ZERO  # BT-108
    tax_exclusive: Decimal = ZERO  # BT-109
    tax_total: Decimal = ZERO  # BT-110
    tax_inclusive: Decimal = ZERO  # BT-112
    prepaid: Decimal = ZERO  # BT-113
    payable: Decimal | None = None  # BT-115 (None: not compared)
    rounding: Decimal = ZERO  # BT-114
    allowances_charges: tuple[AllowanceCharge, ...] = ()  # BG-20/BG-21
    lines: tuple[InvoiceLine, ...] = ()


# --- the order side -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_id: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    base_quantity: Decimal = Decimal(1)
    name: str = ""
    seller_item_id: str | None = None
    standard_item_id: str | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None
    receipt_required: bool = False


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """One version of a purchase order, as the decision saw it."""

    number: str
    version: int
    supplier_id: str | None
    currency: str
    status: str = "open"  # open | closed
    lines: tuple[OrderLine, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class ReceiptMovement:
    """One goods-receipt line: received (positive) or returned (negative), in the order line's unit."""

    receipt_id: str
    order_line_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class ReceiptTotals:
    """What was received per order line and the receipts counted.

    ``movements`` (engine 2): every receipt and return line; the engine nets them per order line and
    shows how. Without movements (decisions of engine 1), ``received`` holds the netted totals.
    """

    received: dict[str, Decimal] = field(default_factory=dict)
    receipt_ids: tuple[str, ...] = ()
    movements: tuple[ReceiptMovement, ...] = ()


@dataclass(frozen=True, slots=True)
class Ledger:
    """Quantity invoiced before per order line (approved and under review, minus approved credits).

    For a credit note, ``credited`` holds the quantity already credited against the corrected
    invoice per order line.
    """

    invoiced: dict[str, Decimal] = field(default_factory=dict)
    credited: dict[str, Decimal] = field(default_factory=dict)


class ReceiptMode(StrEnum):
    line = "line"  # the order line says whether it needs a receipt (3-way) or not (2-way)
    two_way = "two_way"  # never compare with receipts
    three_way = "three_way"  # always compare with receipts


@dataclass(frozen=True, slots=True)
class Policy:
    """Tolerances (DESIGN.md defaults); every change is a new version."""

    version: str = "default"
    price_over_pct: Decimal = Decimal(2)  # unit price may exceed the order's by this %
    price_under_pct: Decimal | None = None  # None: any lower price passes
    quantity_over_pct: Decimal = ZERO  # cumulative quantity may exceed ordered/received by this %
    total_abs: Decimal = Decimal("1.00")  # BT-112 vs expected total, absolute
    charge_abs: Decimal = Decimal("1.00")  # document charges not on the order pass up to this sum
    receipt_mode: ReceiptMode = ReceiptMode.line


@dataclass(frozen=True, slots=True)
class SupplierFacts:
    supplier_id: str
    name: str = ""
    ibans: tuple[str, ...] = ()  # normalised: upper case, no spaces


@dataclass(frozen=True, slots=True)
class StandingOrder:
    """An invoice without an order (rent, utilities, subscriptions) that may pass on its own.

    ``invoiced_in_period`` is what was already invoiced (BT-109, approved or under review) under
    this rule in the period of the invoice's issue date.
    """

    rule_id: str
    version: int
    supplier_id: str
    expected_amount: Decimal  # per period, compared with BT-109 (total without VAT)
    currency: str = "EUR"
    period: str = "month"  # month | quarter | year
    tolerance_abs: Decimal = Decimal("1.00")
    tolerance_pct: Decimal = ZERO
    buyer_reference: str | None = None
    contract_reference: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    period_key: str = ""
    invoiced_in_period: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class CreditTarget:
    """The invoice a credit note corrects (BT-25) and the order quantities it consumed."""

    invoice_id: str
    number: str
    status: str
    currency: str
    supplier_id: str | None
    order_number: str | None
    invoiced: dict[str, Decimal] = field(default_factory=dict)  # order line -> quantity


@dataclass(frozen=True, slots=True)
class OrderReference:
    """How the order was found: which field, as written, and which normalisation made it equal.

    ``field`` is ``BT-13`` (purchase order reference), ``BT-10`` (buyer reference: only when BT-13
    is missing and an order of the same supplier has exactly that number) or ``BT-25`` (a credit note
    takes the order of the invoice it corrects). ``normalisations``: ``case``, ``spaces``.
    """

    field: str
    value: str
    order_number: str
    normalisations: tuple[str, ...] = ()
    via_invoice: str | None = None  # BT-25: the corrected invoice's number


@dataclass(frozen=True, slots=True)
class PriorInvoice:
    """An earlier document of the same seller that may resemble this one (duplicates, engine 2).

    The caller reads a bounded number of them: same amount on the same day, or an invoice number
    with the same key (``references.invoice_number_key``) within the look-back window.
    """

    invoice_id: str
    number: str
    issue_date: date | None
    amount: Decimal | None  # BT-112
    order_number: str | None = None
    supplier_id: str | None = None
    credit_note: bool = False


@dataclass(frozen=True, slots=True)
class ManualPairing:
    """A person paired an invoice line (BT-126) with an order line by hand, where matching could not."""

    line_id: str
    order_line_id: str
    actor: str = ""


# The variances a person may accept with a reason (the others need master data or a document).
ACCEPTABLE_VARIANCES = ("PRICE_VARIANCE", "QUANTITY_EXCEEDS_ORDERED", "QUANTITY_EXCEEDS_RECEIVED")


@dataclass(frozen=True, slots=True)
class AcceptedVariance:
    """A person accepted a price or quantity variance on an invoice line, with a reason.

    The check still fails (the machine never approves it); it is marked as accepted so that a person's
    approval, under the four-eyes rules, is all that is left.
    """

    line_id: str
    code: str  # one of ACCEPTABLE_VARIANCES
    reason: str = ""
    actor: str = ""


@dataclass(frozen=True, slots=True)
class MatchInputs:
    """Everything one decision is computed from (stored with the decision for replay)."""

    invoice: InvoiceFacts
    policy: Policy = Policy()
    supplier: SupplierFacts | None = None
    order: OrderSnapshot | None = None
    receipts: ReceiptTotals = ReceiptTotals()
    ledger: Ledger = Ledger()
    standing_order: StandingOrder | None = None
    credit_target: CreditTarget | None = None
    similar_invoices: tuple[str, ...] = ()  # engine 1: same seller, BT-112 and BT-2 under another BT-1
    order_lookup: str | None = None  # the reference looked up (None when the invoice has none)
    order_found_by: OrderReference | None = None  # engine 2: which field and normalisation found the order
    prior_invoices: tuple[PriorInvoice, ...] = ()  # engine 2: candidates for DUPLICATE_SUSPECTED
    manual_pairings: tuple[ManualPairing, ...] = ()  # invoice line -> order line, paired by a person
    accepted_variances: tuple[AcceptedVariance, ...] = ()  # variances a person accepted with a reason


# --- the decision -------------------------------------------------------------------------------


class Outcome(StrEnum):
    approve = "approve"
    review = "review"


class CheckOutcome(StrEnum):
    passed = "pass"
    failed = "fail"
    skipped = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    """One comparison the engine made (every one is reported, passed or not)."""

    name: str
    outcome: CheckOutcome
    line_id: str | None = None  # the invoice line (BT-126) it concerns
    order_line_id: str | None = None
    expected: str | None = None
    actual: str | None = None
    tolerance: str | None = None
    code: str | None = None  # reason code when failed
    note_nl: str = ""  # extra explanation in Dutch
    note_en: str = ""  # the same in English
    related_invoice_id: str | None = None  # the invoice this one resembles (DUPLICATE_SUSPECTED)
    accepted: str | None = None  # a failed check a person accepted: "<actor>: <reason>"

    @property
    def message_nl(self) -> str:
        return self.messages()[0]

    @property
    def message_en(self) -> str:
        return self.messages()[1]

    def messages(self) -> tuple[str, str]:
        """(Dutch, English) text, built from the fields (so stored decisions stay small)."""
        from service.matching.messages import texts

        return texts(self.name, self.outcome.value, self.code, self.line_id, self.expected, self.actual,
                     self.tolerance, self.note_nl, self.note_en)

    def reason(self) -> Reason:
        """A failed check as the invoice's reason: its code, both messages and the fields it compared."""
        if self.code is None:
            raise ValueError(f"check {self.name!r} has no reason code (it did not fail)")
        nl, en = self.messages()
        return Reason(ReasonCode(self.code), en, nl, {
            "line_id": self.line_id, "order_line_id": self.order_line_id, "check": self.name,
            "expected": self.expected, "actual": self.actual, "tolerance": self.tolerance,
            "related_invoice_id": self.related_invoice_id,
            **({"accepted": self.accepted} if self.accepted else {})})


@dataclass(frozen=True, slots=True)
class LedgerDelta:
    """Quantity (order unit) this document adds to (or, credit note, takes from) an order line."""

    order_line_id: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    checks: tuple[Check, ...]
    reason_codes: tuple[str, ...]  # failed checks' codes, unique, in first-seen order
    ledger_delta: tuple[LedgerDelta, ...] = ()
    pairing: dict[str, str] = field(default_factory=dict)  # invoice line -> order line
    engine_version: str = ENGINE_VERSION

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.approve

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is CheckOutcome.failed]

    def all_accepted(self) -> bool:
        """True when checks failed and a person accepted every one of them (a person may approve)."""
        failed = self.failed()
        return bool(failed) and all(c.accepted for c in failed)

    def normalisations(self) -> list[Check]:
        """The normalisations and conversions that made a comparison pass ("DZN converted to C62 x 12")."""
        from service.matching.messages import NORMALISATIONS

        return [c for c in self.checks if c.name in NORMALISATIONS]
