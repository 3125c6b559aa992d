"""The auditor's report of manual approvals in a period, as JSON pages and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.approvals.test_four_eyes_api import bank_unverified
from tests.workspace.factories import make_invoice


def _approve(client, invoice_id, key, comment=None):
    r = client.post(f"/v1/invoices/{invoice_id}/approve", json={"comment": comment} if comment else None, headers=key)
    assert r.status_code == 200, r.text
    return r.json()


def test_report_lists_who_when_what_was_overridden_and_the_rule(bare_client, session, make_key):
    alice, bob, erp = make_key("reviewer"), make_key("reviewer"), make_key("erp")
    alone = make_invoice(session, number="ALONE-1")
    four = make_invoice(session, number="FOUR-1", amount=Decimal("30000.00"), reasons=[bank_unverified()])
    waiting = make_invoice(session, number="WAIT-1", reasons=[bank_unverified()])
    single = _approve(bare_client, alone.id, alice, "prijs afgesproken")["event"]
    first = _approve(bare_client, four.id, alice, "IBAN nagebeld")["event"]
    second = _approve(bare_client, four.id, bob, "akkoord")["event"]
    _approve(bare_client, waiting.id, alice)  # only a first approval: nothing released yet

    now = datetime.now(UTC)
    period = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}
    r = bare_client.get("/v1/approvals/report", params=period, headers=erp)
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert [x["invoice_number"] for x in rows] == ["ALONE-1", "FOUR-1"]
    a, b = rows
    assert (a["step"], a["approved_by"], a["overridden"], a["first_approver"], a["triggers"], a["comment"]) == (
        "single", single["actor"], ["PRICE_VARIANCE"], None, [], "prijs afgesproken")
    assert (b["step"], b["approved_by"], b["first_approver"], b["overridden"], b["rule_version"]) == (
        "second", second["actor"], first["actor"], ["BANK_ACCOUNT_UNVERIFIED"], "global:0")
    assert b["triggers"] == ["BANK_ACCOUNT_UNVERIFIED", "AMOUNT_AT_LEAST"] and b["payable_amount"] == "30000"
    assert b["first_approved_at"] <= b["approved_at"]

    # keyset pages
    page1 = bare_client.get("/v1/approvals/report", params={**period, "limit": 1}, headers=erp).json()
    assert [x["invoice_number"] for x in page1["data"]] == ["ALONE-1"] and page1["next_cursor"]
    page2 = bare_client.get("/v1/approvals/report", params={**period, "limit": 1, "cursor": page1["next_cursor"]},
                            headers=erp).json()
    assert [x["invoice_number"] for x in page2["data"]] == ["FOUR-1"] and page2["next_cursor"] is None

    # the whole period as CSV
    r = bare_client.get("/v1/approvals/report", params=period, headers={**erp, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [(t["invoice_number"], t["step"], t["first_approver"]) for t in table] == [
        ("ALONE-1", "single", ""), ("FOUR-1", "second", first["actor"])]

    # another period has none; a period without time zone or a foreign cursor is a problem
    earlier = {"from": (now - timedelta(days=2)).isoformat(), "to": (now - timedelta(days=1)).isoformat()}
    assert bare_client.get("/v1/approvals/report", params=earlier, headers=erp).json()["data"] == []
    r = bare_client.get("/v1/approvals/report", params={"from": "2026-11-01T00:00:00", "to": period["to"]}, headers=erp)
    assert r.status_code == 422 and r.json()["type"] == "/problems/invalid-input"
    r = bare_client.get("/v1/approvals/report", params={**period, "cursor": "bm9wZQ"}, headers=erp)
    assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-cursor"
    assert bare_client.get("/v1/approvals/report", params=period, headers=make_key("gateway")).status_code == 403
