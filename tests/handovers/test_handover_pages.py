"""The workspace side of hand-overs: the clerk forwards an invoice to a budget holder, who sees it in
"my work" and the notification count, confirms the delivery on their page, and the invoice passes;
bulk hold from the queue with a result per invoice; notifications marked read."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.handovers.test_bulk_api import _flagged
from tests.handovers.test_handover_api import _not_received
from tests.matching.test_api import world  # noqa: F401  (fixture)
from tests.workspace.test_pages import csrf_of, login

# the header's unread count: the number in a pill, the full text for screen readers
UNREAD = ('<span class="badge" id="unread-count"><span aria-hidden="true">{n}</span>'
          '<span class="visually-hidden">{text}</span></span>')


def _person(app, username: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver")  # the base URL is https: Secure cookies
    r = login(c, username=username)
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    return c


def test_forward_confirm_and_the_invoice_passes_in_the_workspace(world, staff, smtp):  # noqa: F811
    inv = _not_received(world, "F-UI-1")
    anna, bert = _person(world.client.app, "anna"), _person(world.client.app, "bert")
    page = anna.get(f"/ui/invoices/{inv['id']}")
    assert 'id="forward-form"' in page.text and "Vraag prestatieverklaring" in page.text
    due = date.today() + timedelta(days=7)
    r = anna.post(f"/ui/invoices/{inv['id']}/handover/forward", data={
        "csrf_token": csrf_of(page.text), "assignee": "bert", "due_date": due.isoformat(), "note": "Stoelen?"})
    assert r.status_code == 200 and "is doorgestuurd voor een prestatieverklaring" in r.text
    assert "Wacht op de prestatieverklaring van Bert Budget" in r.text
    assert "Wacht op anderen (1)" in anna.get("/ui/work").text
    # Bert (English): the count in the header, the request in "my work", his page to answer
    work = bert.get("/ui/work")
    assert UNREAD.format(n=1, text="1 unread notification") in work.text and "Assigned to me (1)" in work.text
    answer = bert.get(f"/ui/invoices/{inv['id']}/delivery/answer")
    assert "Anna de Vries asks you to confirm" in answer.text and "Stoelen?" in answer.text
    # the lines' units by their name (UN/ECE code C62: "unit"), in the plural after more than one
    quantities = re.findall(r'<td class="num">([^<]*)</td><td class="num">', answer.text)
    assert quantities and all(q.split()[-1] == ("unit" if q.split()[0] == "1" else "units") for q in quantities), \
        quantities
    # Anna may not answer for him: she sees the page, without the buttons
    assert 'id="confirm-delivery"' not in anna.get(f"/ui/invoices/{inv['id']}/delivery/answer").text
    denied = anna.post(f"/ui/invoices/{inv['id']}/delivery/confirm", data={"csrf_token": csrf_of(page.text)})
    assert "error=not_assignee" in str(denied.url)
    done = bert.post(f"/ui/invoices/{inv['id']}/delivery/confirm", data={"csrf_token": csrf_of(answer.text)})
    assert done.status_code == 200 and "the invoice is approved now" in done.text
    assert world.get(inv["id"])["status"] == "approved"
    # the trail tells the hand-over in each reader's language, from the hand-over itself
    dutch, english = anna.get(f"/ui/invoices/{inv['id']}").text, bert.get(f"/ui/invoices/{inv['id']}").text
    assert "Prestatieverklaring gevraagd aan Bert Budget, uiterlijk" in dutch and "“Stoelen?”" in dutch
    assert "Levering bevestigd (prestatieverklaring) · ontvangst PV-F-UI-1-" in dutch
    assert "Delivery confirmation asked of Bert Budget, by" in english
    assert "Delivery confirmed (prestatieverklaring) · receipt PV-F-UI-1-" in english
    assert "confirmation asked of" not in dutch and "Levering bevestigd" not in english
    # Anna hears of it: the notification, read and marked read
    notes = anna.get("/ui/notifications")
    assert "Bert Budget heeft bevestigd dat factuur F-UI-1 van Kantoor B.V. geleverd is." in notes.text
    assert UNREAD.format(n=1, text="1 ongelezen melding") in notes.text
    after = anna.post("/ui/notifications/read", data={"csrf_token": csrf_of(notes.text)})
    assert after.status_code == 200 and 'id="unread-count"' not in after.text
    assert "Alles gelezen" not in after.text


def test_a_budget_holder_declines_with_a_reason(world, staff, smtp):  # noqa: F811
    inv = _not_received(world, "F-UI-2")
    anna, bert = _person(world.client.app, "anna"), _person(world.client.app, "bert")
    page = anna.get(f"/ui/invoices/{inv['id']}")
    anna.post(f"/ui/invoices/{inv['id']}/handover/forward", data={
        "csrf_token": csrf_of(page.text), "assignee": "bert", "due_date": date.today().isoformat()})
    answer = bert.get(f"/ui/invoices/{inv['id']}/delivery/answer")
    empty = bert.post(f"/ui/invoices/{inv['id']}/delivery/decline", data={"csrf_token": csrf_of(answer.text)})
    assert "error=reason" in str(empty.url)
    r = bert.post(f"/ui/invoices/{inv['id']}/delivery/decline",
                  data={"csrf_token": csrf_of(answer.text), "reason": "Only half of the chairs arrived"})
    assert "You did not confirm the delivery of invoice F-UI-2." in r.text
    assert world.get(inv["id"])["status"] == "needs_review"
    assert "Only half of the chairs arrived" in anna.get("/ui/notifications").text
    trail = anna.get(f"/ui/invoices/{inv['id']}").text
    assert "Levering niet bevestigd<br>“Only half of the chairs arrived”" in trail


def test_bulk_hold_from_the_queue_shows_a_result_per_invoice(world, staff):  # noqa: F811
    a, b = _flagged(world, "F-QB-1"), _flagged(world, "F-QB-2", quantity=200)
    anna = _person(world.client.app, "anna")
    queue = anna.get("/ui/queue")
    assert f'form="bulk-form" id="pick-{a["id"]}"' in queue.text and 'id="bulk-form"' in queue.text
    r = anna.post("/ui/bulk", data={"csrf_token": csrf_of(queue.text), "action": "approve", "reason": "Afgesproken",
                                    "invoice": [a["id"], b["id"]]})
    assert r.status_code == 200 and "1 gedaan, 1 geweigerd." in r.text
    assert "Vraagt een eigen goedkeuring op de factuurpagina" in r.text
    r = anna.post("/ui/bulk", data={"csrf_token": csrf_of(queue.text), "action": "hold", "reason": "Wacht",
                                    "invoice": [a["id"], b["id"]]})
    rows = re.findall(r'<tr class="bulk-(\w+)">', r.text)
    assert rows == ["refused", "done"] and "Kan niet in deze status." in r.text
    assert world.get(b["id"])["status"] == "on_hold"
    none = anna.post("/ui/bulk", data={"csrf_token": csrf_of(queue.text), "action": "hold", "reason": "x"})
    assert none.status_code == 422 and "Selecteer eerst een of meer facturen." in none.text
