"""What the invoice page shows, gathered from the stored invoice, its decision and the order.

Everything here only reads: the EN 16931 content (``invoice.data``, plain dict access so new fields
never break the page), the failed checks (``invoice.reasons``), the purchase order's current version
and the goods received per order line (master-data tables), the audit trail and the comments.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from service.decisions import decision_history, load_decision
from service.decisions.record import SYSTEM
from service.decisions.rematch import LINKED
from service.masterdata import queries as masterdata
from service.matching import ACCEPTABLE_VARIANCES
from service.intake.attachments import safe_media_type
from service.models.invoices import AuditEvent, Invoice, InvoiceAttachment
from service.models.handovers import Handover, HandoverStatus
from service.models.matching import MatchDecision
from service.models.workspace import InvoiceComment, StaffUser
from service.reasons import Reason
from service.ui import context
from service.ui.i18n import TEXTS


@dataclass
class LineRow:
    invoice_line: dict[str, Any]
    order_line: dict[str, Any] | None
    received: Decimal | None
    checks: list[Reason] = field(default_factory=list)
    pairable: bool = False  # matching could not pair it: a person may (service/decisions/resolve.py)
    acceptable: list[str] = field(default_factory=list)  # open variances a person may accept with a reason
    # the other invoices that count against this order line (service/ui/context.consumers)
    consumed_by: list[dict[str, Any]] = field(default_factory=list)
    differs: set[str] = field(default_factory=set)  # "price", "quantity", "unit": invoice vs order, highlighted


@dataclass
class TrailEntry:
    at: Any
    actor: str
    kind: str  # "transition" | "comment" | "handover" (a hand-over asked) | "handover_answer"
    from_status: str | None = None
    to_status: str | None = None
    reason_codes: list[str] = field(default_factory=list)
    text: str | None = None
    approval: dict[str, Any] | None = None  # a person's approval: step, rule_version, triggers
    actor_name: str = ""  # the person's or key's name (service/ui/context.actor_names)
    handover: dict[str, Any] | None = None  # kind, assignee, due, status, receipt: drawn in the reader's language
    order: dict[str, str] | None = None  # an order linked by hand: before, after (kind "order_linked")
    trigger_key: str | None = None  # a system approval after a person's step: the step, in the reader's language
    trigger_by: str = ""  # the person whose step it was (actor; named below)
    matched: dict[str, str] | None = None  # the intake's decision: version, decision (its id), in the reader's language
    erp: dict[str, str] | None = None  # the ERP's booking or payment note: kind, document | amount, date, reference


@dataclass
class Attachment:
    position: int
    name: str
    description: str | None
    mime: str | None
    size: int | None
    downloadable: bool


@dataclass
class InvoiceView:
    invoice: Invoice
    doc: dict[str, Any]
    checks: list[Reason]
    document_checks: list[Reason]
    lines: list[LineRow]
    warnings: list[dict[str, Any]]
    attachments: list[Attachment]
    trail: list[TrailEntry]
    order_status: str | None = None
    # normalisations and conversions that made a comparison pass ("DZN converted to C62 x 12"):
    # {"name", "line_id", "text_nl", "text_en"}
    normalisations: list[dict[str, Any]] = field(default_factory=list)
    # failed check (code, line) -> the invoice it resembles (DUPLICATE_SUSPECTED)
    related: list[dict[str, Any]] = field(default_factory=list)
    # every matching decision, newest first: {"at", "trigger", "actor", "actor_name", "outcome", "codes"}
    decisions: list[dict[str, Any]] = field(default_factory=list)
    duplicate_of: Invoice | None = None  # DUPLICATE_INVOICE: the first invoice with this number
    # (line id, item name) of the order's lines, to pair a line with by hand (only under review)
    order_choices: list[tuple[str, str]] = field(default_factory=list)


PAIRING_CODES = ("LINE_NOT_MATCHED", "LINE_AMBIGUOUS")
# what the lines table highlights for a failed check of the line
DIFFERENCES = {"price": {"PRICE_VARIANCE"}, "unit": {"UNIT_MISMATCH"},
               "quantity": {"QUANTITY_EXCEEDS_ORDERED", "QUANTITY_EXCEEDS_RECEIVED", "NOT_RECEIVED"}}


def build(session: Session, invoice: Invoice) -> InvoiceView:
    doc = invoice.data if isinstance(invoice.data, dict) else {}
    # supplier ids in the checks (SUPPLIER_MISMATCH) shown as names
    checks = context.supplier_names(session, invoice.reasons)
    order_lines, received, order_status = _order_lines(session, invoice)
    decision = _decision(session, invoice)
    pairing = {str(k): str(v) for k, v in (getattr(decision, "pairing", None) or {}).items()}
    lines: list[LineRow] = []
    line_ids = set()
    for ln in doc.get("lines") or []:
        lid = str(ln.get("id", ""))
        line_ids.add(lid)
        # line_id may name several invoice lines ("1,2") that hit one order line together
        line_checks = [c for c in checks if lid in _line_ids(c)]
        # The order line matching paired it with, else what the document or a check names.
        ref = pairing.get(lid) or ln.get("order_line_reference") or next(
            (c.get("order_line_id") for c in line_checks if c.get("order_line_id")), None)
        ol = order_lines.get(str(ref)) if ref else None
        codes = {c.code.value for c in line_checks}
        lines.append(LineRow(invoice_line=ln, order_line=ol, received=received.get(str(ref)) if ref else None,
                             checks=line_checks, differs={k for k, v in DIFFERENCES.items() if codes & v},
                             pairable=any(c.code.value in PAIRING_CODES for c in line_checks),
                             acceptable=list(dict.fromkeys(
                                 c.code.value for c in line_checks
                                 if c.code.value in ACCEPTABLE_VARIANCES and not c.get("accepted")))))
    document_checks = [c for c in checks if not (_line_ids(c) & line_ids)]
    used = context.consumers(session, invoice, {str(r.order_line["line_id"]) for r in lines if r.order_line})
    for row in lines:
        if row.order_line:
            row.consumed_by = used.get(str(row.order_line["line_id"]), [])
    return InvoiceView(
        invoice=invoice, doc=doc, checks=checks, document_checks=document_checks, lines=lines,
        warnings=_warnings(invoice.validation_report), attachments=_attachments(session, invoice, doc),
        trail=_trail(session, invoice.id), order_status=order_status,
        normalisations=_normalisations(decision), related=_related(decision),
        order_choices=[(k, str(o.get("name") or "")) for k, o in order_lines.items()]
        if invoice.status.value == "needs_review" else [],
        decisions=_decisions(session, invoice),
        duplicate_of=session.get(Invoice, invoice.duplicate_of) if invoice.duplicate_of else None,
    )


def _decisions(session: Session, invoice: Invoice) -> list[dict[str, Any]]:
    rows = decision_history(session, invoice.id)[:50]
    names = context.actor_names(session, (r.actor for r in rows))
    return [{"at": r.created_at, "trigger": r.trigger, "trigger_key": _trigger_key(r.trigger), "actor": r.actor,
             "actor_name": names.get(r.actor, ""),
             "outcome": r.outcome, "codes": list(r.reason_codes or [])} for r in rows]


def _line_ids(check: Reason) -> set[str]:
    return {part.strip() for part in str(check.get("line_id") or "").split(",") if part.strip()}


def _decision(session: Session, invoice: Invoice) -> Any:
    """The latest matching decision (None when there is none, or when it cannot be read)."""
    try:
        return load_decision(session, invoice.id)
    except Exception:  # noqa: BLE001 - an unreadable old decision must not take the page down
        return None


def _normalisations(decision: Any) -> list[dict[str, Any]]:
    out = []
    for c in getattr(decision, "normalisations", lambda: [])():
        out.append({"name": c.name, "line_id": c.line_id, "expected": c.expected, "actual": c.actual,
                    "text_nl": c.note_nl or c.note_en, "text_en": c.note_en or c.note_nl})
    return out


def _related(decision: Any) -> list[dict[str, Any]]:
    return [{"code": c.code, "actual": c.actual, "invoice_id": c.related_invoice_id}
            for c in getattr(decision, "failed", lambda: [])() if getattr(c, "related_invoice_id", None)]


def _order_lines(session: Session, invoice: Invoice) -> tuple[dict[str, dict], dict[str, Decimal], str | None]:
    """Current order lines by line id and the quantity received per line (empty when unknown)."""
    if not invoice.purchase_order:
        return {}, {}, None
    order = masterdata.get_order(session, invoice.purchase_order)
    if order is None:
        return {}, {}, None
    lines = {
        ol.line_id: {
            "line_id": ol.line_id, "name": ol.item_name, "quantity": ol.quantity, "unit_code": ol.unit_code,
            "unit_price": ol.unit_price, "base_quantity": ol.base_quantity, "vat_category": ol.vat_category,
            "vat_rate": ol.vat_rate, "receipt_required": ol.receipt_required, "currency": order.currency,
        }
        for ol in order.lines
    }
    received = dict(masterdata.received_by_line(session, invoice.purchase_order).quantities)
    return lines, received, order.status


def _warnings(report: dict | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(report, dict):
        return out
    for layer in report.get("layers") or []:
        for f in (layer or {}).get("findings") or []:
            if str(f.get("severity", "")).lower() in ("warning", "info", "information"):
                out.append({"rule_id": f.get("rule_id"), "severity": f.get("severity"),
                            "message": f.get("message") or f.get("text"), "location": f.get("location"),
                            "layer": layer.get("artefact") or layer.get("kind")})
    return out


def _attachments(session: Session, invoice: Invoice, doc: dict) -> list[Attachment]:
    rows = session.exec(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice.id)
                        .order_by(InvoiceAttachment.position)).all()
    if rows:
        return [Attachment(position=r.position, name=r.filename or r.document_reference,
                           description=r.description, mime=r.mime_code, size=r.size_bytes,
                           downloadable=r.mime_allowed)
                for r in rows]
    return [Attachment(position=i, name=a.get("filename") or a.get("id") or f"#{i}", description=a.get("description"),
                       mime=a.get("mime_code"), size=a.get("size"), downloadable=False)
            for i, a in enumerate(doc.get("attachments") or [], start=1)]


def attachment_content(session: Session, invoice_id: uuid.UUID, position: int) -> tuple[str, str, bytes] | None:
    """(filename, media type, bytes) of a stored attachment that may be downloaded."""
    row = session.exec(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice_id,
                                                       InvoiceAttachment.position == position)).first()
    if row is None or not row.mime_allowed:
        return None
    # the declared type only when the bytes are of that type (a "PDF" that is HTML is a plain download)
    media_type = safe_media_type(row.mime_code, row.mime_allowed, row.content_matches)
    return (row.filename or f"attachment-{position}"), media_type, row.content


_LINK_NOTE = re.compile(r"order: (.*) → (.*)", re.DOTALL)  # the comment link_order writes
_STEP_NOTE = re.compile(r"(.+?)(?: \(((?:user|key):.+)\))?")  # "order linked (user:anna)": rematch._rematch
# "matching matching-2.1.0, decision <uuid>": the intake's decision (service/decisions/decide.py)
_MATCHED_NOTE = re.compile(r"matching matching-(\d+(?:\.\d+)*), decision ([0-9a-f-]{36})")
# the notes service/booking.py writes when the ERP gives none of its own
_BOOKED_NOTE = re.compile(r"booked in the ERP as (.+)", re.DOTALL)
_PAID_NOTE = re.compile(r"paid (-?\d+(?:\.\d+)?) on (\d{4}-\d{2}-\d{2})(?: \((.+)\))?", re.DOTALL)


def _trigger_key(trigger: str) -> str | None:
    key = "trigger_" + trigger.replace(" ", "_").replace("-", "_")
    return key if key in TEXTS else None


def _transition(e: AuditEvent) -> TrailEntry:
    entry = TrailEntry(at=e.at, actor=e.actor, kind="transition",
                       from_status=e.from_status.value if e.from_status else None, to_status=e.to_status.value,
                       reason_codes=list(e.reason_codes or []), text=e.comment, approval=e.approval)
    # the system's approval after a person's step names the step: drawn in the reader's language
    if e.actor == SYSTEM and e.comment and (m := _STEP_NOTE.fullmatch(e.comment)) and (key := _trigger_key(m[1])):
        entry.text, entry.trigger_key, entry.trigger_by = None, key, m[2] or ""
    elif e.actor == SYSTEM and e.comment and (m := _MATCHED_NOTE.fullmatch(e.comment)):
        entry.text, entry.matched = None, {"version": m[1], "decision": m[2]}
    elif entry.to_status == "booked" and e.comment and (m := _BOOKED_NOTE.fullmatch(e.comment)):
        entry.text, entry.erp = None, {"kind": "booked", "document": m[1]}
    elif entry.to_status == "paid" and e.comment and (m := _PAID_NOTE.fullmatch(e.comment)):
        entry.text, entry.erp = None, {"kind": "paid", "amount": m[1], "date": m[2], "reference": m[3] or ""}
    return entry


def _comments(session: Session, invoice_id: uuid.UUID) -> list[TrailEntry]:
    """The comments; an order linked by hand (a comment, in the API's words) is drawn in the
    reader's language: the one its decision with trigger "order linked" confirms."""
    linked = set(session.exec(select(MatchDecision.actor, MatchDecision.order_number).where(
        MatchDecision.invoice_id == invoice_id, MatchDecision.trigger == LINKED)).all())
    entries = []
    for c in session.exec(select(InvoiceComment).where(InvoiceComment.invoice_id == invoice_id)):
        m = _LINK_NOTE.fullmatch(c.text or "")
        if m and (c.actor, m[2]) in linked:
            entries.append(TrailEntry(at=c.at, actor=c.actor, kind="order_linked", order={"before": m[1], "after": m[2]}))
        else:
            entries.append(TrailEntry(at=c.at, actor=c.actor, kind="comment", text=c.text))
    return entries


def _trail(session: Session, invoice_id: uuid.UUID) -> list[TrailEntry]:
    entries = [_transition(e) for e in session.exec(select(AuditEvent).where(AuditEvent.invoice_id == invoice_id))]
    entries += _comments(session, invoice_id)
    entries += _handover_entries(session, invoice_id)
    entries.sort(key=lambda e: e.at)
    assignees = [f"user:{e.handover['assignee']}" for e in entries if e.handover]
    names = context.actor_names(session, [*(e.actor for e in entries), *assignees,
                                          *(e.trigger_by for e in entries if e.trigger_by)])
    for e in entries:
        e.actor_name = names.get(e.actor, "")
        if e.trigger_by:
            e.trigger_by = names.get(e.trigger_by) or e.trigger_by
        if e.handover:  # the person asked, by name
            e.handover["assignee"] = names.get(f"user:{e.handover['assignee']}") or e.handover["assignee"]
    return entries


def _handover_entries(session: Session, invoice_id: uuid.UUID) -> list[TrailEntry]:
    """A hand-over's request and its answer as trail entries (texts chosen by the template)."""
    rows = session.exec(select(Handover, StaffUser.username).join(StaffUser, StaffUser.id == Handover.assignee_id)
                        .where(Handover.invoice_id == invoice_id)).all()
    entries = []
    for handover, assignee in rows:
        facts = {"kind": handover.kind.value, "assignee": assignee, "due": handover.due_date,
                 "status": handover.status.value, "receipt": handover.receipt_id}
        entries.append(TrailEntry(at=handover.created_at, actor=handover.requested_by, kind="handover",
                                  text=handover.note, handover=facts))
        if handover.status in (HandoverStatus.confirmed, HandoverStatus.declined, HandoverStatus.withdrawn) \
                and handover.resolved_at:
            entries.append(TrailEntry(at=handover.resolved_at, actor=handover.resolved_by or "",
                                      kind="handover_answer", text=handover.resolution, handover=facts))
    return entries


def count_comments(session: Session, invoice_id: uuid.UUID) -> int:
    return session.exec(select(func.count()).select_from(InvoiceComment)
                        .where(InvoiceComment.invoice_id == invoice_id)).one()
