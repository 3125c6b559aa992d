"""The auditor's report in the workspace: a page and a CSV of the manual approvals in a period."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from service import review
from service.ui import accounts
from tests.approvals.test_four_eyes_api import bank_unverified
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import PASSWORD, login


def test_the_report_page_and_its_csv(bare_client, engine, session):
    with Session(engine) as s:
        accounts.create_user(s, username="anna", password=PASSWORD)
        s.commit()
    alone = make_invoice(session, number="ALONE-9", amount=Decimal("120.00"))
    four = make_invoice(session, number="FOUR-9", reasons=[bank_unverified()])
    review.approve(session, alone.id, actor="user:anna", comment="=HYPERLINK(\"x\")")
    review.approve(session, four.id, actor="user:anna")
    review.approve(session, four.id, actor="user:bert")
    session.commit()

    login(bare_client)
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    page = bare_client.get("/ui/approvals/report", params=period).text
    assert "ALONE-9" in page and "FOUR-9" in page and "user:bert" in page
    assert "alleen (geen tweede nodig)" in page and "global:0 (BANK_ACCOUNT_UNVERIFIED)" in page
    r = bare_client.get("/ui/approvals/report.csv", params=period)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["invoice_number"], x["approved_by"], x["step"], x["first_approver"]) for x in rows] == [
        ("ALONE-9", "user:anna", "single", ""), ("FOUR-9", "user:bert", "second", "user:anna")]
    assert rows[0]["comment"].startswith("'=")  # never a formula in a spreadsheet
    assert rows[1]["overridden"] == "BANK_ACCOUNT_UNVERIFIED"
    earlier = {"from": (today - timedelta(days=9)).isoformat(), "to": (today - timedelta(days=2)).isoformat()}
    assert "Geen handmatige goedkeuringen" in bare_client.get("/ui/approvals/report", params=earlier).text
