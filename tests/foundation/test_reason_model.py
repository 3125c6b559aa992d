"""One Reason model (issue #20): validation, duplicates and matching build the same type, stored in
one form (migration 0025 rewrites older rows) and served in one shape, `message` in English."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from service.db import make_engine
from service.matching.types import Check, CheckOutcome
from service.migrations import upgrade
from service.reasons import Reason, ReasonCode, reasons_from_stored, stored
from tests.conftest import BACKENDS, _create_pg_database, _drop_pg_database

# --- the pure type -------------------------------------------------------------------------------


def test_a_reason_is_immutable_and_its_fields_are_strings() -> None:
    source = {"line_id": "2", "expected": Decimal("9.00"), "actual": None}
    reason = Reason(ReasonCode.PRICE_VARIANCE, "Price too high.", "Prijs te hoog.", source)
    source["line_id"] = "3"  # the caller's mapping is copied, not shared
    assert reason.fields == {"line_id": "2", "expected": "9.00", "actual": None}
    assert Reason.of(ReasonCode.PO_CLOSED).fields == {"line_id": None, "expected": None, "actual": None}
    with pytest.raises(TypeError):
        reason.fields["line_id"] = "4"  # type: ignore[index]
    with pytest.raises(AttributeError):
        reason.code = ReasonCode.TOTAL_VARIANCE  # type: ignore[misc]
    assert reason.message("nl") == "Prijs te hoog." and reason.message() == "Price too high."


def test_a_field_may_not_take_the_name_of_the_code_or_a_message() -> None:
    with pytest.raises(ValueError, match="message"):
        Reason(ReasonCode.PO_CLOSED, "en", "nl", {"message": "x"})
    with pytest.raises(ValueError):
        Reason("NOT_A_CODE", "en", "nl")  # type: ignore[arg-type]


def test_the_code_and_the_messages_are_attributes_not_fields() -> None:
    reason = Reason.of(ReasonCode.PO_CLOSED, actual="PO-1")
    assert reason.get("actual") == "PO-1" and reason.get("tolerance") is None
    for name in ("code", "message", "message_en", "message_nl"):
        with pytest.raises(KeyError, match="not a field"):
            reason.get(name)


def test_invoice_reasons_are_reason_objects_stored_in_the_one_form(engine) -> None:
    """The storage boundary (service.models.invoices.ReasonsJSON): the row holds ``to_stored()``
    exactly; the model reads ``Reason`` objects back. A mapping (a bulk loader's row) is kept as it is."""
    from sqlmodel import Session

    from service.models.invoices import Invoice

    price = Reason.of(ReasonCode.PRICE_VARIANCE, en="410 > 400", nl="410 > 400", line_id="1", tolerance="2")
    legacy = {"code": "RULE_VIOLATION", "rule_id": "BR-CO-15", "message": "totals"}
    with Session(engine) as s:
        inv = Invoice(sha256="r" * 64, document=b"<x/>", reasons=[price, legacy])
        s.add(inv)
        s.commit()
        invoice_id = inv.id
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT reasons FROM invoices WHERE id = :id"),
                           {"id": invoice_id.hex if engine.dialect.name == "sqlite" else invoice_id}).scalar_one()
    assert (json.loads(raw) if isinstance(raw, str) else raw) == [price.to_stored(), legacy]
    with Session(engine) as s:
        got = s.get(Invoice, invoice_id).reasons
    assert got == [price, Reason.from_stored(legacy)] and all(isinstance(r, Reason) for r in got)
    assert got[1].message_en == "totals" and got[1].get("rule_id") == "BR-CO-15"


def test_stored_form_round_trips_and_the_api_form_adds_message_in_the_asked_language() -> None:
    reason = Reason.of(ReasonCode.DUPLICATE_INVOICE, en="First received as invoice X.",
                       nl="Eerder ontvangen als factuur X.", actual="INV-1", first_invoice="X")
    row = reason.to_stored()
    assert row == {"code": "DUPLICATE_INVOICE", "message_en": f"{ReasonCode.DUPLICATE_INVOICE.message_en} "
                   "First received as invoice X.", "message_nl": f"{ReasonCode.DUPLICATE_INVOICE.message_nl} "
                   "Eerder ontvangen als factuur X.", "line_id": None, "expected": None, "actual": "INV-1",
                   "first_invoice": "X"}
    assert Reason.from_stored(json.loads(json.dumps(row))) == reason
    assert reason.to_api()["message"] == reason.message_en
    assert reason.to_api("nl")["message"] == reason.message_nl
    assert reasons_from_stored([row, "not an object", {"no": "code"}]) == [reason]


def test_a_failed_check_becomes_a_reason_with_the_fields_it_compared() -> None:
    check = Check(name="price", outcome=CheckOutcome.failed, line_id="1", order_line_id="10", expected="9",
                  actual="9.5", tolerance="2 %", code="PRICE_VARIANCE", note_nl="Korting niet gezien.",
                  note_en="Discount not seen.")
    reason = check.reason()
    assert reason.code is ReasonCode.PRICE_VARIANCE
    assert reason.message_en.startswith("Line 1: The price exceeds") and "Discount not seen." in reason.message_en
    assert reason.message_nl.startswith("Regel 1: De prijs ligt") and "Korting niet gezien." in reason.message_nl
    assert "|" not in reason.message_en + reason.message_nl
    assert dict(reason.fields) == {"line_id": "1", "order_line_id": "10", "check": "price", "expected": "9",
                                   "actual": "9.5", "tolerance": "2 %", "related_invoice_id": None}
    with pytest.raises(ValueError):
        Check(name="price", outcome=CheckOutcome.passed).reason()


# --- served the same way -------------------------------------------------------------------------


def _english_and_dutch(reason: dict) -> None:
    assert reason["message"] == reason["message_en"], reason
    assert reason["message_nl"] and reason["message_nl"] != reason["message_en"], reason
    assert {"code", "line_id", "expected", "actual"} <= reason.keys()


def test_validation_duplicate_and_matching_reasons_have_one_shape_in_english(client, make_key) -> None:
    from tests.api.test_invoices import BASE, XML

    headers = {**make_key("gateway"), **XML}
    flagged = client.post("/v1/invoices", content=BASE, headers=headers).json()
    assert flagged["status"] == "needs_review" and flagged["reasons"]
    for reason in flagged["reasons"]:  # matching's message was Dutch before
        _english_and_dutch(reason)
        assert reason["check"] and "order_line_id" in reason and "tolerance" in reason
        assert reason["message_en"] in reason["message"] and not reason["message"].startswith(("Regel", "De "))

    resent = BASE.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Note>resent</cbc:Note><cbc:DocumentCurrencyCode>", 1)
    duplicate = client.post("/v1/invoices", content=resent, headers=headers)
    assert duplicate.status_code == 409
    reason, = client.get(duplicate.headers["Location"], headers=headers).json()["reasons"]
    assert reason["code"] == "DUPLICATE_INVOICE" and reason["first_invoice"] == flagged["id"]
    _english_and_dutch(reason)

    invalid = client.post("/v1/invoices", headers=headers, content=BASE.replace(
        b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"<cbc:IssueDate>13-11-2017</cbc:IssueDate>"))
    assert invalid.status_code == 422
    reasons = client.get(invalid.headers["Location"], headers=headers).json()["reasons"]
    assert reasons and reasons[0]["code"] == "SCHEMA_INVALID"
    for reason in reasons:  # validation had no message_en before
        _english_and_dutch(reason)


# --- one stored form: migration 0025 -------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def fresh_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    url, name = _create_pg_database()
    yield url
    _drop_pg_database(name)


OLD_VALIDATION = {"code": "RULE_VIOLATION", "rule_id": "BR-CO-15", "line_id": None, "expected": None,
                  "actual": None, "location": "/Invoice", "message": "[BR-CO-15] Total with VAT wrong.",
                  "message_nl": "Het document overtreedt een of meer bedrijfsregels. (BR-CO-15)"}
OLD_MATCHING = {"code": "PRICE_VARIANCE", "line_id": "1", "order_line_id": "10", "check": "price",
                "expected": "9", "actual": "9.5", "tolerance": "2 %", "message": "Regel 1: De prijs ligt hoger.",
                "message_nl": "Regel 1: De prijs ligt hoger.", "message_en": "Line 1: The price is higher."}
OLD_DUPLICATE = {"code": "DUPLICATE_INVOICE", "line_id": None, "expected": None, "actual": "INV-1",
                 "message": "Already submitted. First received as invoice X.",
                 "message_nl": "Al ingediend. Eerder ontvangen als factuur X.", "first_invoice": "X"}
BY_HAND = {"code": "PO_CLOSED"}


def test_migration_rewrites_old_reasons_into_the_one_stored_form(fresh_url: str) -> None:
    upgrade(fresh_url, "0024_handovers")
    engine = make_engine(fresh_url)
    ids = {}
    with engine.begin() as conn:
        for n, reasons in enumerate(([OLD_VALIDATION], [OLD_MATCHING, BY_HAND], [OLD_DUPLICATE], [])):
            ids[n] = uuid.uuid4()
            conn.execute(text(
                "INSERT INTO invoices (id, status, sha256, media_type, size_bytes, document, reasons, received_by, "
                "version, created_at, updated_at, invoice_response_required) VALUES (:id, 'needs_review', :sha, "
                "'application/xml', 4, :doc, :reasons, 'key:x', 1, '2026-12-01 10:00:00+00:00', "
                "'2026-12-01 10:00:00+00:00', false)"),
                {"id": ids[n] if engine.dialect.name == "postgresql" else ids[n].hex, "sha": f"{n}" * 64,
                 "doc": b"<x/>", "reasons": json.dumps(reasons)})
    upgrade(fresh_url)
    with engine.connect() as conn:
        rows = {uuid.UUID(str(i)): r if isinstance(r, list) else json.loads(r)
                for i, r in conn.execute(text("SELECT id, reasons FROM invoices")).all()}
    engine.dispose()

    validation, = rows[ids[0]]
    assert validation == {"code": "RULE_VIOLATION", "message_en": "[BR-CO-15] Total with VAT wrong.",
                          "message_nl": OLD_VALIDATION["message_nl"], "line_id": None, "expected": None,
                          "actual": None, "rule_id": "BR-CO-15", "location": "/Invoice"}
    matching, by_hand = rows[ids[1]]
    assert matching["message_en"] == "Line 1: The price is higher." and "message" not in matching
    assert matching["message_nl"] == "Regel 1: De prijs ligt hoger."
    assert {k: matching[k] for k in ("line_id", "order_line_id", "check", "expected", "actual", "tolerance")} == {
        "line_id": "1", "order_line_id": "10", "check": "price", "expected": "9", "actual": "9.5", "tolerance": "2 %"}
    assert by_hand == Reason.of(ReasonCode.PO_CLOSED).to_stored()
    duplicate, = rows[ids[2]]
    assert duplicate["message_en"] == OLD_DUPLICATE["message"] and duplicate["first_invoice"] == "X"
    assert rows[ids[3]] == []
    # every row is now exactly the form the Reason type writes
    for reasons in rows.values():
        assert stored(reasons_from_stored(reasons)) == reasons


# --- matching notes in two fields: migration 0026 ------------------------------------------------


def _run_0026(engine, step: str) -> None:
    import importlib.util

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from service.migrations import MIGRATIONS_DIR

    path = MIGRATIONS_DIR / "versions" / "2026_12_06_0026_check_notes_two_languages.py"
    spec = importlib.util.spec_from_file_location("migration_0026", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        getattr(module, step)()


def test_check_notes_are_stored_in_two_fields_and_old_decisions_still_replay(client, make_key, engine) -> None:
    from tests.api.test_invoices import BASE, XML

    created = client.post("/v1/invoices", content=BASE, headers={**make_key("gateway"), **XML}).json()

    def checks() -> list[dict]:
        with engine.connect() as conn:
            decision = conn.execute(text("SELECT decision FROM match_decisions WHERE invoice_id = :id"),
                                    {"id": uuid.UUID(created["id"]) if engine.dialect.name == "postgresql"
                                     else uuid.UUID(created["id"]).hex}).scalar_one()
        return (decision if isinstance(decision, dict) else json.loads(decision))["checks"]

    noted = [c for c in checks() if c["note_en"]]
    assert noted and all("|" not in c["note_nl"] + c["note_en"] and "note" not in c for c in noted)
    # the decision as the version before stored it: one "Dutch|English" note (0026's downgrade and
    # upgrade run on their own, whatever migrations came after)
    _run_0026(engine, "downgrade")
    try:
        old = [c for c in checks() if c.get("note")]
        assert [c["note"] for c in old] == [f"{c['note_nl']}|{c['note_en']}" for c in noted]
    finally:
        _run_0026(engine, "upgrade")
    assert [c for c in checks() if c["note_en"]] == noted
    replay = client.post(f"/v1/invoices/{created['id']}/replay", headers=make_key("admin")).json()
    assert replay["identical"] is True, replay
    # /decision serves each check like a reason: `message` in English beside both languages
    decision = client.get(f"/v1/invoices/{created['id']}/decision", headers=make_key("admin")).json()
    failed = [c for c in decision["checks"] if c["outcome"] == "fail"]
    assert failed and all(c["message"] == c["message_en"] != c["message_nl"] for c in failed)
    assert {(c["code"], c["message"]) for c in failed} == {(r["code"], r["message"]) for r in created["reasons"]}
