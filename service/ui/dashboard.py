"""Dashboard figures (read-only queries) and server-side SVG charts."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from markupsafe import Markup
from sqlalchemy import and_, case, func, literal, or_, true
from sqlmodel import Session, select

from service.models.base import utcnow
from service.models.erp import ErpInvoiceState
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus
from service.reasons import VALIDATION_CODES, Reason

S = InvoiceStatus
WEEKS = 12
DAYS = 30
DECIDED = (S.approved.value, S.rejected.value)
PAYABLE = (S.approved, S.booked, S.paid)  # the invoices the 30-day payment term is measured on
MAX_RULE_REPORTS = 5000


def _reason_elements(session: Session):
    """(table-valued JSON elements of invoices.reasons, the code expression of one element)."""
    if session.get_bind().dialect.name == "postgresql":
        elems = func.json_array_elements(Invoice.reasons).table_valued("value").alias("r")
        return elems, elems.c.value.op("->>")(literal("code"))
    elems = func.json_each(Invoice.reasons).table_valued("value").alias("r")
    return elems, func.json_extract(elems.c.value, "$.code")


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
    computed_at: datetime | None = None


def _days_between(session: Session, later, earlier):
    """(later - earlier) in days as a number, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


# The figures cover weeks; computing them reads every invoice of the period (0.8 s of CPU at 100,000
# on SQLite), so each process keeps them for a minute. After that minute a page load still gets the
# figures it has (their time is on the page) and starts one refresh in a thread of its own: no page
# load waits for the computation except the first one of a process.
CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, Dashboard]] = {}
_refreshing: set[str] = set()
_refreshing_lock = threading.Lock()
log = logging.getLogger(__name__)


def cached(session: Session, organisation_id: uuid.UUID | None = None) -> Dashboard:
    """The figures per database and organisation (None: all of them), at most a minute old when the
    previous refresh succeeded; ``compute()`` in the request only when there are none yet."""
    key = f"{session.get_bind().url}|{organisation_id}"
    hit = _cache.get(key)
    if hit is None:
        result = compute(session, organisation_id=organisation_id)
        _cache[key] = (time.monotonic(), result)
        return result
    if time.monotonic() - hit[0] >= CACHE_SECONDS:
        _refresh_in_background(session.get_bind(), key, organisation_id)
    return hit[1]


def _refresh_in_background(bind: Any, key: str, organisation_id: uuid.UUID | None) -> threading.Thread | None:
    """One refresh per key at a time, in its own session; a failure keeps the figures it had."""
    with _refreshing_lock:
        if key in _refreshing:
            return None
        _refreshing.add(key)

    def refresh() -> None:
        try:
            with Session(bind) as fresh:
                _cache[key] = (time.monotonic(), compute(fresh, organisation_id=organisation_id))
        except Exception:
            log.exception("dashboard figures not refreshed; the page keeps showing those of before")
        finally:
            with _refreshing_lock:
                _refreshing.discard(key)

    thread = threading.Thread(target=refresh, name="dashboard-refresh", daemon=True)
    thread.start()
    return thread


def compute(session: Session, now: datetime | None = None, *, organisation_id: uuid.UUID | None = None) -> Dashboard:
    """Every figure is aggregated in the database; Python only sees a few hundred rows. With
    ``organisation_id``, of that organisation's invoices only; without, of every organisation's."""
    mine = Invoice.organisation_id == organisation_id if organisation_id is not None else true()
    mine_events = AuditEvent.invoice_id.in_(select(Invoice.id).where(mine)) if organisation_id is not None else true()
    now = now or utcnow()
    since = now - timedelta(weeks=WEEKS)
    d = Dashboard(computed_at=now)

    # Straight-through: of the valid invoices (received -> approved | needs_review), the automatic
    # approvals; counted per day in SQL, grouped into ISO weeks here.
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    day = func.date(AuditEvent.at)
    auto = func.sum(case((AuditEvent.to_status == S.approved, 1), else_=0))
    for on, approved, total in session.exec(select(day, auto, func.count()).where(
            AuditEvent.from_status == S.received, AuditEvent.to_status.in_([S.approved, S.needs_review]),
            AuditEvent.at >= since, mine_events).group_by(day)):
        year, week, _ = _as_date(on).isocalendar()
        bucket = weeks[f"{year}-W{week:02d}"]
        bucket[0] += int(approved or 0)
        bucket[1] += int(total or 0)
    d.stp = [(k, v[0], v[1]) for k, v in sorted(weeks.items())]

    # Exceptions by reason code (matching reasons of invoices received in the period; each reason, so a
    # code on two lines counts twice: not invoice_reason_codes, which holds a code once per invoice).
    elems, code_expr = _reason_elements(session)
    n = func.count()
    d.exceptions = [(str(c), int(k)) for c, k in session.exec(
        select(code_expr, n).select_from(Invoice).join(elems, true()).where(Invoice.created_at >= since, mine)
        .group_by(code_expr).order_by(n.desc())) if c and c not in VALIDATION_CODES]

    # Volume per day (last 30 days).
    day0 = (now - timedelta(days=DAYS - 1)).date()
    created_day = func.date(Invoice.created_at)
    per_day = {_as_date(on): int(k) for on, k in session.exec(
        select(created_day, func.count()).where(
            Invoice.created_at >= datetime.combine(day0, datetime.min.time(), tzinfo=now.tzinfo), mine)
        .group_by(created_day))}
    d.volume = [(day0 + timedelta(days=i), per_day.get(day0 + timedelta(days=i), 0)) for i in range(DAYS)]

    # Ageing: days from receipt to the first decision (approved or rejected by matching or a person);
    # documents rejected by validation at intake are not part of it. Per-invoice facts come from
    # grouped (materialised) subqueries, never correlated ones: one pass over the audit events.
    ev = AuditEvent
    decided = (select(ev.invoice_id.label("invoice_id"), func.min(ev.at).label("at"))
               .where(ev.at >= since, ev.to_status.in_([S.approved, S.rejected])).group_by(ev.invoice_id).subquery())
    at_intake = (select(ev.invoice_id.label("invoice_id"))
                 .where(ev.at >= since, ev.from_status == S.received, ev.to_status == S.rejected)
                 .group_by(ev.invoice_id).subquery())
    paid = _paid_subquery(session, since)
    population = (select(Invoice.created_at.label("created_at"), Invoice.status.label("status"),
                         _days_between(session, decided.c.at, Invoice.created_at).label("days"),
                         _days_between(session, paid.c.paid_on, Invoice.created_at).label("paid_days"))
                  .select_from(Invoice)
                  .outerjoin(decided, decided.c.invoice_id == Invoice.id)
                  .outerjoin(at_intake, at_intake.c.invoice_id == Invoice.id)
                  .outerjoin(paid, paid.c.invoice_id == Invoice.id)
                  .where(Invoice.created_at >= since, Invoice.status != S.received, at_intake.c.invoice_id.is_(None),
                         mine)
                  .subquery())
    p = population.c
    row = session.exec(select(
        func.count(),
        *[func.sum(case((p.days <= days, 1), else_=0)) for days in (5, 10, 20, 30)],
        # Paid within 30 days of receipt. Only payable invoices count (approved, booked or paid: a
        # rejected one, or one still on hold or under review, is owed nothing yet), and of those the
        # paid ones and the ones older than 30 days.
        func.sum(case((p.paid_days <= 30, 1), else_=0)),
        func.sum(case((and_(p.status.in_(PAYABLE),
                            or_(p.paid_days.is_not(None), p.created_at < now - timedelta(days=30))), 1), else_=0)),
    ).select_from(population)).one()
    total = int(row[0] or 0)
    d.decided_within = [(days, int(row[i + 1] or 0), total) for i, days in enumerate((5, 10, 20, 30))]
    d.paid_within_30 = (int(row[5] or 0), int(row[6] or 0))

    # Open invoices (under review) by age.
    buckets = [("0-5", 5), ("6-10", 10), ("11-20", 20), ("21-30", 30), ("30+", None)]
    open_rows = session.exec(select(*[
        func.sum(case((Invoice.created_at > now - timedelta(days=hi + 1), 1), else_=0)) if hi is not None
        else func.count() for _, hi in buckets
    ]).where(Invoice.status.in_([S.needs_review, S.on_hold]), mine)).one()
    cumulative = [int(v or 0) for v in open_rows]
    previous = 0
    for (key, _upper), upto in zip(buckets, cumulative):
        d.open_ageing.append((key, upto - previous))
        previous = upto

    # Suppliers with the most rejections and exceptions.
    rejections = dict(session.exec(select(Invoice.seller_name, func.count()).where(
        Invoice.created_at >= since, Invoice.status == S.rejected, mine).group_by(Invoice.seller_name)).all())
    flagged = (select(AuditEvent.invoice_id.label("invoice_id"))
               .where(AuditEvent.at >= since, AuditEvent.to_status == S.needs_review)
               .group_by(AuditEvent.invoice_id).subquery())
    exceptions = dict(session.exec(select(Invoice.seller_name, func.count())
                                   .join(flagged, flagged.c.invoice_id == Invoice.id)
                                   .where(Invoice.created_at >= since, mine).group_by(Invoice.seller_name)).all())
    names = set(rejections) | set(exceptions)
    ranked = sorted(((n or "?", rejections.get(n, 0), exceptions.get(n, 0)) for n in names),
                    key=lambda r: (-(r[1] + r[2]), r[0]))
    d.suppliers = ranked[:10]

    # Validation rules that fail most (rejected documents of the period, newest first, capped).
    rules: Counter = Counter()
    for report, reasons in session.exec(select(Invoice.validation_report, Invoice.reasons).where(
            Invoice.created_at >= since, Invoice.status == S.rejected, mine)
            .order_by(Invoice.created_at.desc()).limit(MAX_RULE_REPORTS)):
        rules.update(_failed_rules(report, reasons))
    d.rules = rules.most_common(10)
    return d


def _paid_subquery(session: Session, since: datetime):
    """(invoice_id, paid_on): the ERP's payment date (the day the money left), else when the
    payment was reported (the transition to paid)."""
    reported = (select(AuditEvent.invoice_id.label("invoice_id"), func.min(AuditEvent.at).label("at"))
                .where(AuditEvent.at >= since, AuditEvent.to_status == S.paid).group_by(AuditEvent.invoice_id)
                .subquery())
    erp = ErpInvoiceState
    payment_date: Any = erp.payment_date  # a date column, or (PostgreSQL) that date as a timestamp
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import DateTime, cast

        payment_date = cast(erp.payment_date, DateTime(timezone=True))  # midnight of that day
    from_erp = select(erp.invoice_id.label("invoice_id"), payment_date.label("paid_on")).where(
        erp.payment_date.is_not(None), erp.booked_at >= since)
    from_events = select(reported.c.invoice_id, reported.c.at.label("paid_on")).where(
        ~reported.c.invoice_id.in_(select(erp.invoice_id).where(erp.payment_date.is_not(None))))
    return from_erp.union_all(from_events).subquery()


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _failed_rules(report, reasons: list[Reason]) -> set[str]:
    found: set[str] = set()
    if isinstance(report, dict):
        for layer in report.get("layers") or []:
            for f in (layer or {}).get("findings") or []:
                if str(f.get("severity", "")).lower() in ("fatal", "error") and f.get("rule_id"):
                    found.add(str(f["rule_id"]))
    for r in reasons:
        if r.get("rule_id"):
            found.add(str(r.get("rule_id")))
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
        bar = min(slot * 0.7, 36)
        parts.append(f'<rect x="{x + (slot - bar) / 2:.1f}" y="{base_y - h}" width="{bar:.1f}" height="{h}" fill="{BAR}">'
                     f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{base_y + 16}" text-anchor="middle" fill="{TEXT}" '
                         f'font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
