"""`einvoice demo`: a realistic organisation, loaded through the service's own code paths."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from service.demo.plan import build_plan

EINVOICE = str(Path(sys.executable).with_name("einvoice"))
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
INTENDED_INVALID = {"totals_do_not_add_up"}


@pytest.fixture(scope="module")
def plan():
    return build_plan(seed=2026, now=NOW)


def test_the_plan_is_the_same_for_the_same_seed(plan):
    again = build_plan(seed=2026, now=NOW)
    assert [d.xml for d in again.documents()] == [d.xml for d in plan.documents()]
    assert [d.xml for d in build_plan(seed=7, now=NOW).documents()] != [d.xml for d in plan.documents()]


def test_a_few_hundred_documents_over_ten_weeks_with_every_story(plan):
    documents = plan.documents()
    assert 220 <= len(documents) <= 400
    intents = Counter(d.intent for d in documents)
    for story in ("clean", "credit_note", "price_variance", "quantity_exceeds_ordered", "not_received",
                  "quantity_exceeds_received", "bank_account_unverified", "line_not_matched", "po_closed",
                  "duplicate_suspected", "po_reference_missing", "supplier_unknown", "totals_do_not_add_up",
                  "duplicate_invoice"):
        assert intents[story] >= 1, story
    first, last = plan.steps[0].at, plan.steps[-1].at
    assert last < NOW and NOW - first >= timedelta(weeks=10)
    assert all(a.at <= b.at for a, b in zip(plan.steps, plan.steps[1:]))


def test_every_generated_document_is_valid_but_the_ones_meant_to_be_rejected(plan, validation):
    engine, problems = validation
    assert not problems
    wrong = []
    for planned in plan.documents():
        report = engine.validate(planned.xml)
        findings = sorted({f.rule_id for layer in report.layers for f in layer.findings})
        if planned.intent in INTENDED_INVALID:
            if report.outcome != "invalid" or "BR-CO-15" not in findings:
                wrong.append((planned.document.number, planned.intent, report.outcome, findings))
        elif report.outcome != "valid" or findings or report.scenario != "peppol-bis-billing-3":
            wrong.append((planned.document.number, planned.intent, report.outcome, findings))
    assert not wrong, wrong[:5]


def test_loading_gives_every_outcome_through_the_real_paths(engine, plan, validation, artifacts_dir):
    from service.demo.load import NotEmpty, load
    from service.masterdata.codelists import find_codelists
    from service.models.invoices import AuditEvent, DocumentType, Invoice, InvoiceStatus
    from service.models.matching import MatchDecision

    codelists = find_codelists(artifacts_dir, None)
    with Session(engine, expire_on_commit=False) as session:
        loaded = load(session, plan, validation=validation[0], codelists=codelists)
        session.commit()
        with pytest.raises(NotEmpty):
            load(session, plan, validation=validation[0], codelists=codelists)
        invoices = session.exec(select(Invoice)).all()
        events = session.exec(select(AuditEvent)).all()
        decided = [code for row in session.exec(select(MatchDecision)) for code in row.reason_codes]
        from service.models.approvals import BankAccountChange
        from service.models.masterdata import SupplierBankAccount

        changes = session.exec(select(BankAccountChange)).all()
        accounts = session.exec(select(SupplierBankAccount)).all()

    statuses = Counter(i.status for i in invoices)
    assert set(statuses) >= {InvoiceStatus.approved, InvoiceStatus.needs_review, InvoiceStatus.on_hold,
                             InvoiceStatus.rejected, InvoiceStatus.booked, InvoiceStatus.paid}, statuses
    assert statuses[InvoiceStatus.paid] + statuses[InvoiceStatus.booked] > len(invoices) / 3
    assert loaded.documents == len(invoices) == len(plan.documents())
    credit_notes = [i for i in invoices if i.document_type is DocumentType.credit_note]
    assert any(i.status in (InvoiceStatus.approved, InvoiceStatus.booked) for i in credit_notes)

    waiting = Counter(r.code.value for i in invoices if i.status is InvoiceStatus.needs_review for r in i.reasons)
    for code in ("PRICE_VARIANCE", "SUPPLIER_UNKNOWN", "PO_REFERENCE_MISSING"):
        assert waiting[code] >= 1, waiting
    # every reason the machine gave at some point (a re-match may have cleared it since)
    everything = Counter(decided) + Counter(r.code.value for i in invoices for r in i.reasons)
    for code in ("PRICE_VARIANCE", "QUANTITY_EXCEEDS_ORDERED", "NOT_RECEIVED", "QUANTITY_EXCEEDS_RECEIVED",
                 "BANK_ACCOUNT_UNVERIFIED", "LINE_NOT_MATCHED", "PO_CLOSED", "DUPLICATE_SUSPECTED",
                 "PO_REFERENCE_MISSING", "SUPPLIER_UNKNOWN", "DUPLICATE_INVOICE", "RULE_VIOLATION"):
        assert everything[code] >= 1, (code, everything)

    # the ERP's bank accounts came in as proposals and a second person (the demo admin) verified each
    assert changes and {(c.status.value, c.proposed_by.split(":")[0], c.decided_by) for c in changes} == {
        ("verified", "key", "user:demo")}
    assert len(accounts) == len(changes)
    actors = Counter(e.actor.split(":")[0] for e in events)
    assert actors["user"] and actors["key"] and actors["system"], actors  # people, ERP/access point, re-match
    received = sorted(i.created_at for i in invoices)
    assert received[-1] - received[0] > timedelta(weeks=8)  # the dashboard has weeks to show
    assert received[-1] <= datetime.now(UTC)


@pytest.mark.slow
def test_the_command_loads_an_empty_database_and_refuses_a_second_time(tmp_path, artifacts_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir),
                "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path / "cache")})
    assert subprocess.run([EINVOICE, "migrate"], env=env, capture_output=True).returncode == 0
    first = subprocess.run([EINVOICE, "demo"], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("demo organisation loaded in ")
    assert "needs_review" in lines[1] and "paid" in lines[1]
    sign_in = lines[-1]
    assert sign_in.startswith("Sign in at http://127.0.0.1:8000/ui/ as `demo` with password ")
    password = sign_in.split("with password ", 1)[1].split(" ", 1)[0]

    from service.db import make_engine
    from service.ui.accounts import authenticate

    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        assert authenticate(session, "demo", password) is not None
    engine.dispose()

    again = subprocess.run([EINVOICE, "demo"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1
    [line] = again.stderr.strip().splitlines()
    assert line.startswith("einvoice: error: the database already holds data (")
    assert "point DATABASE_URL at a new database" in line


@pytest.mark.slow
def test_the_demo_loads_into_a_named_organisation_of_several(engine, plan, validation, artifacts_dir):
    from service.demo.load import load
    from service.masterdata.codelists import find_codelists
    from service.models.invoices import Invoice
    from service.models.masterdata import Supplier
    from service.models.organisations import Organisation, OrganisationIdentifier

    codelists = find_codelists(artifacts_dir, None)
    with Session(engine, expire_on_commit=False) as session:
        noord, zuid = Organisation(name="Gemeente Noord"), Organisation(name="Gemeente Zuid")
        session.add_all([noord, zuid])
        session.flush()
        session.add(OrganisationIdentifier(organisation_id=noord.id, scheme="0190", value="00000001001234560000"))
        session.commit()
        load(session, plan, validation=validation[0], codelists=codelists, organisation_id=zuid.id)
        session.commit()
        invoice_orgs = {i.organisation_id for i in session.exec(select(Invoice)) if i.status.value != "rejected"}
        supplier_orgs = {s.organisation_id for s in session.exec(select(Supplier))}
        zuid_idents = {(i.scheme, i.value) for i in session.exec(
            select(OrganisationIdentifier).where(OrganisationIdentifier.organisation_id == zuid.id))}
    assert invoice_orgs == {zuid.id} and supplier_orgs == {zuid.id}
    assert zuid_idents == {("0190", "00000001002220647000")}  # the demo municipality's OIN
