"""An existing installation migrates without a manual step; `einvoice organisations ...`."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

from sqlalchemy import text

from service.db import make_engine
from service.migrations import upgrade
from service.models.organisations import DEFAULT_ORGANISATION_ID
from tests.masterdata.test_cli import EINVOICE, run
import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

OIN = "00000001001234560000"


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    return {**env, **extra}


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


def test_existing_keys_suppliers_and_staff_go_to_the_default_organisation(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0020_gateway_list_index")
    engine = make_engine(url)
    now = "'2026-12-01 10:00:00+00:00'"
    with engine.begin() as conn:  # rows of the version before organisation scopes
        for prefix, role in (("erp1", "erp"), ("adm1", "admin"), ("gw1", "gateway")):
            conn.execute(text(f"INSERT INTO api_keys (id, prefix, secret_hash, name, role, created_at) VALUES "
                              f"(:id, '{prefix}', 'x', '', '{role}', {now})"), {"id": uuid.uuid4().hex})
        conn.execute(text(f"INSERT INTO suppliers (id, name, policy, version, created_at, updated_at) VALUES "
                          f"(:id, 'Kantoor', '{{}}', 1, {now}, {now})"), {"id": uuid.uuid4().hex})
        conn.execute(text(f"INSERT INTO staff_users (id, username, display_name, password_hash, role, language, "
                          f"active, failed_logins, session_epoch, created_at) VALUES "
                          f"(:id, 'anna', '', 'x', 'reviewer', 'nl', 1, 0, 0, {now})"), {"id": uuid.uuid4().hex})
    upgrade(url)
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT prefix, organisation_id FROM api_keys")).all())
        supplier_org = conn.execute(text("SELECT organisation_id FROM suppliers")).scalar()
        member_org = conn.execute(text("SELECT organisation_id FROM staff_user_organisations")).scalar()
    engine.dispose()
    # keys that work inside one organisation got the default one; admin and gateway keys see all
    assert uuid.UUID(keys["erp1"]) == DEFAULT_ORGANISATION_ID
    assert keys["adm1"] is None and keys["gw1"] is None
    assert uuid.UUID(supplier_org) == DEFAULT_ORGANISATION_ID == uuid.UUID(member_org)


def test_cli_keys_and_users_name_the_organisation_only_when_there_are_several(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    one = run(["keys", "create", "--role", "erp"], env)  # one organisation: no flag
    assert one.returncode == 0, one.stderr
    listed = json.loads(run(["keys", "list", "--json"], env).stdout)
    assert [k["organisation_id"] for k in listed] == [str(DEFAULT_ORGANISATION_ID)]

    org = json.loads(run(["organisations", "create", "Gemeente Noord", "--identifier", f"0190:{OIN}",
                          "--json"], env).stdout)
    unnamed = run(["keys", "create", "--role", "reviewer"], env)
    assert unnamed.returncode == 2 and "--organisation" in unnamed.stderr
    named = run(["keys", "create", "--role", "reviewer", "--organisation", org["id"]], env)
    assert named.returncode == 0, named.stderr
    wide = run(["keys", "create", "--role", "admin"], env)  # the centre's admin: every organisation
    assert wide.returncode == 0, wide.stderr

    user = subprocess.run([*EINVOICE, "users", "create", "anna", "--password-stdin", "--organisation", org["id"],
                                      "--organisation", str(DEFAULT_ORGANISATION_ID)],
                          input="een lang wachtwoord 123\n", capture_output=True, text=True, env=_env(env), timeout=180)
    assert user.returncode == 0, user.stderr
    assert "2 organisation(s)" in user.stdout
    nobody = subprocess.run([*EINVOICE, "users", "create", "piet", "--password-stdin"],
                            input="een lang wachtwoord 123\n", capture_output=True, text=True, env=_env(env),
                            timeout=180)
    assert nobody.returncode == 1 and "--organisation" in nobody.stderr


def test_import_names_the_organisation_when_there_are_several(tmp_path, artifacts_dir) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir)}
    assert run(["migrate"], env).returncode == 0
    org = json.loads(run(["organisations", "create", "Gemeente Noord", "--identifier", f"0190:{OIN}",
                          "--json"], env).stdout)
    suppliers = tmp_path / "suppliers.jsonl"
    suppliers.write_text(json.dumps({"name": "Kantoor B.V.", "electronic_address": {"scheme": "0106",
                                                                                     "value": "12345678"}}) + "\n")
    unnamed = run(["import", "suppliers", str(suppliers)], env)
    assert unnamed.returncode == 2 and "--organisation" in unnamed.stderr
    for target in (org["id"], str(DEFAULT_ORGANISATION_ID)):  # the same supplier in each: its own record
        loaded = run(["import", "suppliers", str(suppliers), "--organisation", target], env)
        assert loaded.returncode == 0, loaded.stderr
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        owners = sorted(str(uuid.UUID(str(o))) for o in conn.execute(text("SELECT organisation_id FROM suppliers")).scalars())
    engine.dispose()
    assert owners == sorted([org["id"], str(DEFAULT_ORGANISATION_ID)])


def test_cli_webhooks_and_matching_policy_name_the_organisation_only_when_there_are_several(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    # one organisation: no flag; the subscription is the default organisation's
    assert run(["webhooks", "add", "https://erp.example.nl/hook"], env).returncode == 0
    assert [w["organisation_id"] for w in json.loads(run(["webhooks", "list", "--json"], env).stdout)] == [
        str(DEFAULT_ORGANISATION_ID)]
    org = json.loads(run(["organisations", "create", "Gemeente Noord", "--identifier", f"0190:{OIN}",
                          "--json"], env).stdout)
    unnamed = run(["webhooks", "add", "https://erp.example.nl/noord"], env)
    assert unnamed.returncode == 2 and "--organisation" in unnamed.stderr
    assert run(["webhooks", "add", "https://erp.example.nl/noord", "--organisation", org["id"]], env).returncode == 0
    assert run(["webhooks", "add", "https://centre.example.nl/all", "--all-organisations"], env).returncode == 0
    only = json.loads(run(["webhooks", "list", "--json", "--organisation", org["id"]], env).stdout)
    assert [w["url"] for w in only] == ["https://erp.example.nl/noord"]
    assert run(["webhooks", "add", "https://x.example.nl/", "--organisation", "nope"], env).returncode == 2

    # the matching policy: an organisation's own, starting from the global one; the global stays
    r = run(["matching", "policy", "set", "--price-over-pct", "7", "--organisation", org["id"]], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f'organisation {org["id"]} policy version 1: {{"price_over_pct": "7"}}'
    shown = json.loads(run(["matching", "policy", "show", "--organisation", org["id"]], env).stdout)
    assert shown["scope"] == f"organisation:{org['id']}" and shown["settings"]["price_over_pct"] == "7"
    assert json.loads(run(["matching", "policy", "show"], env).stdout)["scope"] == "global"


def test_cli_key_owner_links_a_key_to_a_staff_user(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    user = subprocess.run([*EINVOICE, "users", "create", "anna", "--password-stdin"], input="een lang wachtwoord 123\n",
                          capture_output=True, text=True, env=_env(env), timeout=180)
    assert user.returncode == 0, user.stderr
    created = run(["keys", "create", "--role", "reviewer", "--owner", "anna"], env)
    assert created.returncode == 0, created.stderr
    listed = json.loads(run(["keys", "list", "--json"], env).stdout)
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        anna = str(uuid.UUID(str(conn.execute(text("SELECT id FROM staff_users")).scalar_one())))
    engine.dispose()
    assert [k["owner_id"] for k in listed] == [anna]
    unknown = run(["keys", "create", "--role", "reviewer", "--owner", "nobody"], env)
    assert unknown.returncode == 2 and "no staff user nobody" in unknown.stderr
