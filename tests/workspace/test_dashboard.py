"""Dashboard figures against a small, fully known history (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.lifecycle import transition
from service.models.base import utcnow
from service.models.invoices import InvoiceStatus
from service.ui import dashboard
from tests.workspace.factories import backdate, make_invoice

S = InvoiceStatus


def test_figures(session):
    now = utcnow()
    # A: automatic approval on receipt, paid after 20 days (reported by the ERP)
    a = make_invoice(session, number="A", reasons=[], status=S.approved, seller="Alfa", commit=False)
    transition(session, a, S.booked, actor="key:erp")
    transition(session, a, S.paid, actor="key:erp")
    backdate(session, a, 40, [0, 1, 20])
    # B: flagged, approved by a person after 8 days, not paid and older than 30 days
    b = make_invoice(session, number="B", seller="Beta", commit=False)
    transition(session, b, S.approved, actor="user:anna")
    backdate(session, b, 35, [0, 8])
    # C: flagged, rejected by a person after 25 days
    c = make_invoice(session, number="C", seller="Beta", commit=False)
    transition(session, c, S.rejected, actor="user:anna", reason_codes=["PRICE_VARIANCE"], comment="x")
    backdate(session, c, 26, [0, 25])
    # D: still open, 12 days old
    d_ = make_invoice(session, number="D", seller="Gamma", amount=Decimal("10"), commit=False)
    backdate(session, d_, 12, [0])
    # E: rejected by validation at intake (not part of the ageing population)
    e = make_invoice(session, number="E", seller="Gamma", status=S.rejected,
                     reasons=[{"code": "RULE_VIOLATION", "rule_id": "BR-CO-15"}], commit=False)
    backdate(session, e, 3, [0])
    session.commit()

    d = dashboard.compute(session, now=now)
    assert d.decided_within == [(5, 1, 4), (10, 2, 4), (20, 2, 4), (30, 3, 4)]
    assert d.paid_within_30 == (1, 2)  # A paid in time; B older than 30 days and unpaid; C, D too young
    assert sum(a for _, a, _ in d.stp) == 1 and sum(n for _, _, n in d.stp) == 4
    assert dict(d.open_ageing) == {"0-5": 0, "6-10": 0, "11-20": 1, "21-30": 0, "30+": 0}
    assert dict(d.exceptions)["PRICE_VARIANCE"] == 3
    assert d.suppliers[0] == ("Beta", 1, 2)
    assert {n: (r, x) for n, r, x in d.suppliers}["Gamma"] == (1, 1)
    assert d.rules == [("BR-CO-15", 1)]
    assert sum(k for _, k in d.volume) == 3  # C, D and E were received in the last 30 days


def test_the_payment_figure_counts_only_payable_invoices(session):
    now = utcnow()
    # paid on day 10: counts, in time
    paid = make_invoice(session, number="P", reasons=[], status=S.approved, commit=False)
    transition(session, paid, S.booked, actor="key:erp")
    transition(session, paid, S.paid, actor="key:erp")
    backdate(session, paid, 40, [0, 1, 10])
    # approved 45 days ago and still unpaid: counts, late
    late = make_invoice(session, number="L", reasons=[], status=S.approved, commit=False)
    backdate(session, late, 45, [0])
    # rejected, on hold and under review for more than 30 days: nobody owes them (yet), so none counts
    rejected = make_invoice(session, number="R", commit=False)
    transition(session, rejected, S.rejected, actor="user:anna", reason_codes=["PRICE_VARIANCE"], comment="x")
    backdate(session, rejected, 50, [0, 2])
    held = make_invoice(session, number="H", status=S.on_hold, commit=False)
    backdate(session, held, 40, [0, 1])
    waiting = make_invoice(session, number="W", commit=False)
    backdate(session, waiting, 35, [0])
    session.commit()
    assert dashboard.compute(session, now=now).paid_within_30 == (1, 2)


@pytest.mark.on_backend("sqlite")
def test_the_figures_read_the_audit_trail_from_its_indexes_alone(session):
    from sqlalchemy import event

    for i in range(5):
        make_invoice(session, number=f"IDX-{i}", commit=False)
    session.commit()
    statements: list[tuple[str, tuple]] = []
    engine = session.get_bind().engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "audit_events" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        dashboard.compute(session)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements
    conn = session.connection()
    for statement, parameters in statements:
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        reads = [step for step in plan if "audit_events" in step]
        assert reads and all("COVERING INDEX ix_audit_events_" in step for step in reads), (statement, plan)


def test_stale_figures_are_served_at_once_and_refreshed_in_a_thread_of_their_own(session, monkeypatch):
    key = f"{session.get_bind().url}|None"
    dashboard._cache.clear()
    first = dashboard.cached(session)  # none yet: computed in the request
    assert sum(k for _, k in first.volume) == 0
    make_invoice(session, number="LATER")
    assert dashboard.cached(session) is first  # within the minute: the same figures

    started = []
    real = dashboard._refresh_in_background
    monkeypatch.setattr(dashboard, "_refresh_in_background",
                        lambda *a: started.append(real(*a)))
    stamp, figures = dashboard._cache[key]
    dashboard._cache[key] = (stamp - dashboard.CACHE_SECONDS, figures)  # a minute has passed
    assert dashboard.cached(session) is first  # the page does not wait for the computation
    assert dashboard.cached(session) is first and started[1] is None  # one refresh at a time
    started[0].join(timeout=30)
    assert not started[0].is_alive()
    refreshed = dashboard.cached(session)
    assert refreshed is not first and sum(k for _, k in refreshed.volume) == 1


def test_a_failed_refresh_keeps_the_figures_it_had(session, monkeypatch, caplog):
    key = f"{session.get_bind().url}|None"
    dashboard._cache.clear()
    first = dashboard.cached(session)
    stamp, figures = dashboard._cache[key]
    dashboard._cache[key] = (stamp - dashboard.CACHE_SECONDS, figures)

    def broken(*_a, **_k):
        raise RuntimeError("database gone")

    monkeypatch.setattr(dashboard, "compute", broken)
    thread = dashboard._refresh_in_background(session.get_bind(), key, None)
    assert thread is not None
    thread.join(timeout=30)
    assert dashboard._cache[key][1] is first and "not refreshed" in caplog.text
    again = dashboard._refresh_in_background(session.get_bind(), key, None)
    assert again is not None  # the key is free again
    again.join(timeout=30)
