"""An existing installation migrates without a manual step; `einvoice organisations ...`."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text

from service.db import make_engine
from service.migrations import upgrade
from service.models.organisations import DEFAULT_ORGANISATION_ID
from tests.masterdata.test_cli import run
import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

OIN = "00000001001234560000"


def test_existing_invoices_go_to_the_default_organisation(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0013_four_eyes")
    engine = make_engine(url)
    invoice_id = uuid.uuid4()
    with engine.begin() as conn:  # an invoice stored by the version before organisations
        conn.execute(text(
            "INSERT INTO invoices (id, status, sha256, media_type, size_bytes, document, reasons, received_by, "
            "version, created_at, updated_at, invoice_response_required) VALUES (:id, 'approved', :sha, "
            "'application/xml', 4, x'3c782f3e', '[]', 'key:x', 1, '2026-12-01 10:00:00+00:00', "
            "'2026-12-01 10:00:00+00:00', 0)"), {"id": invoice_id.hex, "sha": "c" * 64})
    upgrade(url)
    with engine.connect() as conn:
        org = conn.execute(text("SELECT organisation_id FROM invoices")).scalar()
        default = conn.execute(text("SELECT name, is_default FROM organisations")).one()
    engine.dispose()
    assert uuid.UUID(org) == DEFAULT_ORGANISATION_ID
    assert tuple(default) == ("Default organisation", 1)


def test_cli_creates_sets_and_lists_organisations(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0

    created = run(["organisations", "create", "Gemeente Noord", "--identifier", f"0190:{OIN}", "--json"], env)
    assert created.returncode == 0, created.stderr
    org = json.loads(created.stdout)
    assert [(i["scheme"], i["value"]) for i in org["identifiers"]] == [("0190", OIN)]
    # the default organisation has no identifiers: it now takes no invoice, and the operator is told
    assert "default organisation has no identifiers" in created.stderr

    listed = run(["organisations", "list", "--json"], env)
    assert {o["name"] for o in json.loads(listed.stdout)} == {"Default organisation", "Gemeente Noord"}

    changed = run(["organisations", "set", str(DEFAULT_ORGANISATION_ID), "--identifier",
                   "iso6523-actorid-upis::0106:12345678", "--name", "Gemeente Zuid"], env)
    assert changed.returncode == 0, changed.stderr
    assert "Gemeente Zuid" in changed.stdout and "0106:12345678" in changed.stdout

    taken = run(["organisations", "create", "Dubbel", "--identifier", "0106:12345678"], env)
    assert taken.returncode == 1 and taken.stderr.startswith("einvoice: error:")
    assert "is an identifier of organisation" in taken.stderr and "Traceback" not in taken.stderr
    bad = run(["organisations", "create", "Fout", "--identifier", "0190:123"], env)
    assert bad.returncode == 2 and "20 digits" in bad.stderr
