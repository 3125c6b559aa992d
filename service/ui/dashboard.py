"""Dashboard figures (read-only queries) and server-side SVG charts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, select

from service.models.base import utcnow
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus
from service.reasons import VALIDATION_CODES
from service.ui.queue import _reason_elements

S = InvoiceStatus
WEEKS = 12
DAYS = 30
DECIDED = (S.approved.value, S.rejected.value)
MAX_RULE_REPORTS = 5000


@dataclass
class Dashboard:
    stp: list[tuple[str, int, int]] = field(default_factory=list)  # (week, automatic, valid)
    exceptions: list[tuple[str, int]] = field(default_factory=list)
    volume: list[tuple[date, int]] = field(default_factory=list)
    decided_within: list[tuple[int, int, int]] = field(default_factory=list)  # (days, decided, total)
    paid_within_30: tuple[int, int] = (0, 0)  # (paid in time, invoices that could be)
    open_ageing: list[tuple[str, int]] = field(default_factory=list)  # (bucket key, count)
    suppliers: list[tuple[str, int, int]] = field(default_factory=list)  # (name, rejections, exceptions)
    rules: list[tuple[str, int]] = field(default_factory=list)


def compute(session: Session, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    since = now - timedelta(weeks=WEEKS)
    d = Dashboard()

    # Straight-through: of the valid invoices (received -> approved | needs_review), the automatic approvals.
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for at, to in session.exec(select(AuditEvent.at, AuditEvent.to_status).where(
            AuditEvent.from_status == S.received, AuditEvent.to_status.in_([S.approved, S.needs_review]),
            AuditEvent.at >= since)):
        year, week, _ = at.isocalendar()
        bucket = weeks[f"{year}-W{week:02d}"]
        bucket[1] += 1
        if to == S.approved:
            bucket[0] += 1
    d.stp = [(k, v[0], v[1]) for k, v in sorted(weeks.items())]

    # Exceptions by reason code (matching reasons of invoices received in the period).
    elems, code_expr = _reason_elements(session)
    n = func.count()
    d.exceptions = [(str(c), int(k)) for c, k in session.exec(
        select(code_expr, n).select_from(Invoice).join(elems, _true()).where(Invoice.created_at >= since)
        .group_by(code_expr).order_by(n.desc())) if c and c not in VALIDATION_CODES]

    # Volume per day (last 30 days).
    day0 = (now - timedelta(days=DAYS - 1)).date()
    per_day: Counter = Counter()
    for created in session.exec(select(Invoice.created_at).where(
            Invoice.created_at >= datetime.combine(day0, datetime.min.time(), tzinfo=now.tzinfo))).all():
        per_day[created.date()] += 1
    d.volume = [(day0 + timedelta(days=i), per_day.get(day0 + timedelta(days=i), 0)) for i in range(DAYS)]

    # Ageing: time from receipt to the first decision, and to payment.
    received = dict(session.exec(select(Invoice.id, Invoice.created_at).where(
        Invoice.created_at >= since, Invoice.status != S.received)).all())
    validation_rejected = set(session.exec(select(AuditEvent.invoice_id).where(
        AuditEvent.from_status == S.received, AuditEvent.to_status == S.rejected, AuditEvent.at >= since)).all())
    decided_at: dict = {}
    paid_at: dict = {}
    for inv_id, to, at in session.exec(select(AuditEvent.invoice_id, AuditEvent.to_status, AuditEvent.at).where(
            AuditEvent.at >= since, AuditEvent.to_status.in_([S.approved, S.rejected, S.paid]))):
        if inv_id not in received:
            continue
        target = paid_at if to == S.paid else decided_at
        if inv_id not in target or at < target[inv_id]:
            target[inv_id] = at
    # The ERP's payment date (the day the money left) wins over when the payment was reported.
    try:
        from service.models.erp import ErpInvoiceState
    except ImportError:  # ERP area not there
        ErpInvoiceState = None  # noqa: N806
    if ErpInvoiceState is not None and received:
        for inv_id, paid_on in session.exec(select(ErpInvoiceState.invoice_id, ErpInvoiceState.payment_date).where(
                ErpInvoiceState.payment_date.is_not(None), ErpInvoiceState.booked_at >= since)):
            if inv_id in received:
                paid_at[inv_id] = datetime.combine(paid_on, datetime.min.time(), tzinfo=received[inv_id].tzinfo)
    population = [i for i in received if i not in validation_rejected]
    for days in (5, 10, 20, 30):
        within = sum(1 for i in population if i in decided_at and decided_at[i] - received[i] <= timedelta(days=days))
        d.decided_within.append((days, within, len(population)))
    # Paid within 30 days: only invoices that are paid or older than 30 days can be judged.
    judged = [i for i in population if i in paid_at or now - received[i] > timedelta(days=30)]
    in_time = sum(1 for i in judged if i in paid_at and paid_at[i] - received[i] <= timedelta(days=30))
    d.paid_within_30 = (in_time, len(judged))

    # Open invoices (under review) by age.
    buckets = [("0-5", 0, 5), ("6-10", 6, 10), ("11-20", 11, 20), ("21-30", 21, 30), ("30+", 31, None)]
    counts: Counter = Counter()
    for created in session.exec(select(Invoice.created_at).where(
            Invoice.status.in_([S.needs_review, S.on_hold]))).all():
        age = (now - created).days
        for key, lo, hi in buckets:
            if age >= lo and (hi is None or age <= hi):
                counts[key] += 1
                break
    d.open_ageing = [(key, counts.get(key, 0)) for key, _, _ in buckets]

    # Suppliers with the most rejections and exceptions.
    rejections = dict(session.exec(select(Invoice.seller_name, func.count()).where(
        Invoice.created_at >= since, Invoice.status == S.rejected).group_by(Invoice.seller_name)).all())
    exceptions = dict(session.exec(select(Invoice.seller_name, func.count(func.distinct(Invoice.id)))
                                   .join(AuditEvent, AuditEvent.invoice_id == Invoice.id)
                                   .where(Invoice.created_at >= since, AuditEvent.to_status == S.needs_review)
                                   .group_by(Invoice.seller_name)).all())
    names = set(rejections) | set(exceptions)
    ranked = sorted(((n or "?", rejections.get(n, 0), exceptions.get(n, 0)) for n in names),
                    key=lambda r: (-(r[1] + r[2]), r[0]))
    d.suppliers = ranked[:10]

    # Validation rules that fail most (rejected documents of the period).
    rules: Counter = Counter()
    for report, reasons in session.exec(select(Invoice.validation_report, Invoice.reasons).where(
            Invoice.created_at >= since, Invoice.status == S.rejected)
            .order_by(Invoice.created_at.desc()).limit(MAX_RULE_REPORTS)):
        rules.update(_failed_rules(report, reasons))
    d.rules = rules.most_common(10)
    return d


def _true():
    from sqlalchemy import true

    return true()


def _failed_rules(report, reasons) -> set[str]:
    found: set[str] = set()
    if isinstance(report, dict):
        for layer in report.get("layers") or []:
            for f in (layer or {}).get("findings") or []:
                if str(f.get("severity", "")).lower() in ("fatal", "error") and f.get("rule_id"):
                    found.add(str(f["rule_id"]))
    for r in reasons or []:
        if isinstance(r, dict):
            for key in ("rule_id", "rule"):
                if r.get(key):
                    found.add(str(r[key]))
            for rid in r.get("rule_ids") or []:
                found.add(str(rid))
    return found


# --- SVG ---------------------------------------------------------------------------------------

BAR = "#1d4f91"  # 8.6:1 on white
ACCENT = "#8a4b00"  # 6.3:1 on white
TEXT = "#1a1a1a"
GRID = "#767676"


def hbar_chart(chart_id: str, title: str, items: list[tuple[str, float]], fmt=str, width: int = 560) -> Markup:
    """Horizontal bars: one labelled row per item (values >= 0)."""
    row, label_w, pad = 26, 200, 8
    height = max(1, len(items)) * row + pad * 2
    top = max((v for _, v in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
             f'aria-labelledby="{chart_id}-t" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet"><title id="{chart_id}-t">{escape(title)}</title>']
    bar_w = width - label_w - 90
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        w = 0 if not value else max(2, round(bar_w * value / top))
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT}" font-size="13">{escape(_clip(label))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row - 8}" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 17}" fill="{TEXT}" font-size="13">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(chart_id: str, title: str, items: list[tuple[str, float]], fmt=str, max_value: float | None = None,
                 width: int = 560, height: int = 200, label_every: int = 1) -> Markup:
    """Vertical columns over time (weeks, days)."""
    left, bottom, top_pad = 44, 34, 18
    plot_h = height - bottom - top_pad
    n = max(1, len(items))
    slot = (width - left - 8) / n
    top = max_value or max((v for _, v in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
             f'aria-labelledby="{chart_id}-t" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet"><title id="{chart_id}-t">{escape(title)}</title>']
    base_y = top_pad + plot_h
    parts.append(f'<line x1="{left}" y1="{base_y}" x2="{width - 4}" y2="{base_y}" stroke="{GRID}"/>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" fill="{TEXT}" font-size="11">{escape(fmt(top))}</text>')
    parts.append(f'<text x="{left - 4}" y="{base_y}" text-anchor="end" fill="{TEXT}" font-size="11">{escape(fmt(0))}</text>')
    for i, (label, value) in enumerate(items):
        h = 0 if not value else max(1, round(plot_h * value / top))
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{base_y - h}" width="{slot * 0.7:.1f}" height="{h}" fill="{BAR}">'
                     f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base_y + 16}" text-anchor="middle" fill="{TEXT}" '
                         f'font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
