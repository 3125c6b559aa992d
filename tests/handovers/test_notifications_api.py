"""The hand-over and notification API: a person's own key lists their notifications (in both
languages) and marks them read; the organisation's hand-overs are listed by assignee and requester;
who handed an invoice over (or an admin) withdraws it, the person asked is told, the trail shows it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from service.models.handovers import Handover, Notification
from tests.handovers.test_handover_api import _not_received
from tests.handovers.test_handover_pages import _person
from tests.matching.test_api import world  # noqa: F401  (fixture)
from tests.workspace.test_pages import csrf_of


def _forward(world, headers: dict, number: str, to: str = "bert") -> dict:  # noqa: F811
    inv = _not_received(world, number)
    r = world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=headers,
                          json={"assignee": to, "due_date": (date.today() + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_persons_key_reads_and_marks_their_notifications(world, staff, smtp, make_key):  # noqa: F811
    anna = make_key("reviewer", owner="anna")
    bert = make_key("reviewer", owner="bert")
    first = _forward(world, anna, "F-NA-1")
    _forward(world, anna, "F-NA-2")
    r = world.client.get("/v1/notifications", headers=bert)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unread"] == 2 and [n["kind"] for n in body["data"]] == ["confirm_requested"] * 2
    newest = body["data"][0]
    assert newest["params"]["number"] == "F-NA-2" and newest["handover_id"] is not None
    assert newest["message_nl"].startswith("Anna de Vries vraagt u uiterlijk")
    assert newest["message_en"].startswith("Anna de Vries asks you to confirm by")
    assert newest["message"] == newest["message_en"]  # Bert reads English
    assert world.client.get("/v1/notifications", headers=anna).json() == {"data": [], "unread": 0}
    # marking one of Bert's with Anna's key marks nothing
    one = [n["id"] for n in body["data"] if n["handover_id"] == first["id"]]
    assert world.client.post("/v1/notifications/read", headers=anna, json={"ids": one}).json()["marked"] == 0
    marked = world.client.post("/v1/notifications/read", headers=bert, json={"ids": one})
    assert marked.json() == {"marked": 1, "unread": 1}
    unread = world.client.get("/v1/notifications", headers=bert, params={"unread": "true"}).json()["data"]
    assert [n["params"]["number"] for n in unread] == ["F-NA-2"]
    assert world.client.post("/v1/notifications/read", headers=bert).json() == {"marked": 1, "unread": 0}
    # a key of nobody's has no notifications to read
    nobody = world.client.get("/v1/notifications", headers=world.reviewer)
    assert nobody.status_code == 403 and nobody.json()["type"] == "/problems/key-without-owner"


def test_the_organisations_handovers_listed_by_assignee_and_requester(world, staff, smtp, make_key):  # noqa: F811
    anna = make_key("reviewer", owner="anna")
    to_bert = _forward(world, anna, "F-HL-1")
    to_cora = _forward(world, world.reviewer, "F-HL-2", to="cora")
    _forward(world, anna, "F-HL-3")

    def ids(**params) -> list[str]:
        r = world.client.get("/v1/handovers", headers=world.erp, params=params)
        assert r.status_code == 200, r.text
        return [h["id"] for h in r.json()["data"]]

    assert len(ids()) == 3
    assert ids(assignee="cora") == [to_cora["id"]]
    assert len(ids(requested_by="key:" + anna["Authorization"].split("_")[1], assignee="bert")) == 2
    assert ids(status="confirmed") == []
    page = world.client.get("/v1/handovers", headers=world.erp, params={"limit": 2}).json()
    rest = world.client.get("/v1/handovers", headers=world.erp, params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [h["id"] for h in page["data"] + rest["data"]] == ids() and rest["next_cursor"] is None
    assert ids()[-1] == to_bert["id"]  # newest first
    bad = world.client.get("/v1/handovers", headers=world.erp, params={"cursor": "nonsense"})
    assert bad.status_code == 422


def test_who_handed_it_over_or_an_admin_withdraws_it(world, staff, smtp, make_key, engine):  # noqa: F811
    anna = make_key("reviewer", owner="anna")
    anna_again = make_key("reviewer", owner="anna")  # another key of the same person
    cora = make_key("reviewer", owner="cora")
    handover = _forward(world, anna, "F-WD-1")
    url = f"/v1/handovers/{handover['id']}/withdraw"
    refused = world.client.post(url, headers=cora, json={})
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/not-the-requester"
    r = world.client.post(url, headers=anna_again, json={"note": "Al geregeld"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["resolution"] == "Al geregeld"
    assert r.json()["resolved_by"] == "key:" + anna_again["Authorization"].split("_")[1]
    again = world.client.post(url, headers=anna, json={})
    assert again.status_code == 409 and again.json()["type"] == "/problems/handover-not-open"
    # the budget holder is told (by mail too), nothing is left to confirm
    mails = smtp.messages(wait_for=2)
    assert "withdrew the hand-over of invoice F-WD-1" in mails[-1].get_payload(decode=True).decode()
    inv_id = handover["invoice_id"]
    assert world.client.post(f"/v1/invoices/{inv_id}/delivery/confirm", headers=world.reviewer,
                             json={}).status_code == 409
    # an admin may withdraw anyone's
    other = _forward(world, cora, "F-WD-2")
    assert world.client.post(f"/v1/handovers/{other['id']}/withdraw", headers=world.admin).status_code == 200
    with Session(engine) as s:
        assert {h.status.value for h in s.exec(select(Handover)).all()} == {"withdrawn"}
        kinds = sorted(n.kind for n in s.exec(select(Notification)).all())
    assert kinds == ["confirm_requested", "confirm_requested", "withdrawn", "withdrawn"]
    missing = world.client.post("/v1/handovers/00000000-0000-0000-0000-000000000001/withdraw", headers=world.admin)
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/handover-not-found"


def test_the_workspace_withdraw_button(world, staff, smtp):  # noqa: F811
    inv = _not_received(world, "F-WD-UI")
    anna, cora = _person(world.client.app, "anna"), _person(world.client.app, "cora")
    page = anna.get(f"/ui/invoices/{inv['id']}")
    r = anna.post(f"/ui/invoices/{inv['id']}/handover/assign",
                  data={"csrf_token": csrf_of(page.text), "assignee": "bert"})
    assert 'id="withdraw-assign"' in r.text and "Toewijzing aan Bert Budget intrekken" in r.text
    # a colleague who did not make it sees no button, and is refused when posting anyway
    theirs = cora.get(f"/ui/invoices/{inv['id']}")
    assert 'id="withdraw-assign"' not in theirs.text
    handover_id = world.client.get(f"/v1/invoices/{inv['id']}/handovers", headers=world.erp).json()["data"][0]["id"]
    denied = cora.post(f"/ui/invoices/{inv['id']}/handover/withdraw",
                       data={"csrf_token": csrf_of(theirs.text), "handover": handover_id})
    assert "error=not_requester" in str(denied.url)
    done = anna.post(f"/ui/invoices/{inv['id']}/handover/withdraw",
                     data={"csrf_token": csrf_of(r.text), "handover": handover_id})
    assert done.status_code == 200 and "De overdracht van factuur F-WD-UI is ingetrokken." in done.text
    assert 'id="withdraw-assign"' not in done.text and "Overdracht aan Bert Budget ingetrokken" in done.text
    bert = _person(world.client.app, "bert")
    assert "Hand-over to Bert Budget withdrawn" in bert.get(f"/ui/invoices/{inv['id']}").text
    assert "Anna de Vries withdrew the hand-over of invoice F-WD-UI" in bert.get("/ui/notifications").text
