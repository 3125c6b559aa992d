"""`einvoice validate` (bulk, JSON, exit codes) and `einvoice artifacts install|status`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner
from tests.validation.validation_samples import BASE, NL_BASE, replace_once

from service.cli import app
from service.config import get_settings


@pytest.fixture
def cli(artifacts_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EINVOICE_ARTIFACTS_DIR", str(artifacts_dir))
    monkeypatch.setenv("EINVOICE_VALIDATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EINVOICE_ARTIFACTS_MIRROR", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def folder(mirror: Path, tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    shutil.copy(mirror / BASE, d / "valid-peppol.xml")
    shutil.copy(mirror / NL_BASE, d / "sub" / "valid-nlcius.XML")
    shutil.copy(mirror / "ubl-2.1/xml/UBL-Order-2.1-Example.xml", d / "order.xml")
    bad = replace_once((mirror / BASE).read_bytes(), r'currencyID="EUR">1656.25<', 'currencyID="EUR">1656.26<')
    (d / "br-co-15.xml").write_bytes(bad)
    (d / "broken.xml").write_bytes(b"<Invoice>")
    (d / "notes.txt").write_text("not an invoice")
    return d


def test_validate_folder_as_json(cli, folder: Path):
    result = cli("validate", str(folder), "--json", "--jobs", "1")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert set(by_name) == {"valid-peppol.xml", "valid-nlcius.XML", "order.xml", "br-co-15.xml", "broken.xml"}
    assert by_name["valid-peppol.xml"]["outcome"] == "valid"
    assert by_name["valid-peppol.xml"]["scenario"] == "peppol-bis-billing-3"
    assert by_name["valid-nlcius.XML"]["scenario"] == "nlcius"
    assert by_name["order.xml"]["outcome"] == "not_an_invoice"
    assert by_name["order.xml"]["kind"] == "UBL Order"
    assert by_name["valid-peppol.xml"]["release"] == "peppol-bis-billing-3@3.0.21"
    assert by_name["broken.xml"]["findings"][0]["layer"] == "xml"
    fatal = [f for f in by_name["br-co-15.xml"]["findings"] if f["severity"] == "fatal"]
    assert {f["rule_id"] for f in fatal} == {"BR-CO-15", "BR-CO-16"}  # totals and amount due
    assert all({"rule_id", "severity", "location", "message", "layer"} <= set(f) for f in fatal)
    assert {f["layer"] for f in fatal} == {"en16931-peppol"}
    summary = out["summary"]
    assert (summary["total"], summary["valid"], summary["invalid"], summary["error"]) == (5, 2, 2, 0)
    assert summary["not_an_invoice"] == 1 and summary["not_an_invoice_by_kind"] == {"UBL Order": 1}
    assert summary["by_scenario"]["peppol-bis-billing-3"] == {"valid": 1, "invalid": 1, "error": 0}
    assert {"rule_id": "BR-CO-15", "severity": "fatal", "count": 1, "files": 1} in summary["top_rules"]
    assert summary["by_rule_set"]["en16931-peppol"] == {"valid": 1, "invalid": 1, "skipped": 0, "error": 0}
    assert summary["by_rule_set"]["nlcius"]["valid"] == 1
    assert summary["by_rule_set"]["xsd"]["valid"] == 3


def test_not_invoices_are_told_apart_from_invalid_invoices(cli, mirror: Path, tmp_path: Path):
    d = tmp_path / "mixed"
    d.mkdir()
    for name in ("peppol-bis-billing-3/structure/codelist/eas.xml", "ubl-2.1/xml/UBL-DespatchAdvice-2.0-Example.xml",
                 "en16931/cii/examples/CII_example1.xml",
                 "peppol-bis-billing-3@3.0.21/rules/examples/Self-billing examples/SB-base-example.xml"):
        shutil.copy(mirror / name, d / Path(name).name)
    result = cli("validate", str(d))
    assert result.exit_code == 0, result.output  # the invoices are valid; the others are no invoices
    assert "Not an invoice (2 files, not validated)" in result.stdout
    assert "code list (Peppol)" in result.stdout and "UBL DespatchAdvice" in result.stdout
    assert "en16931-cii" in result.stdout and "peppol-self-billing-3" in result.stdout
    assert "INVALID" not in result.stdout


def test_pdfs_and_envelopes_in_a_folder(cli, mirror: Path, tmp_path: Path):
    from tests.pdfs import hybrid_pdf, plain_pdf
    from tests.sbdh import wrap

    d = tmp_path / "inbox"
    d.mkdir()
    (d / "facturx.pdf").write_bytes(hybrid_pdf((mirror / "en16931/cii/examples/CII_example2.xml").read_bytes()))
    (d / "scan.pdf").write_bytes(plain_pdf())
    (d / "locked.pdf").write_bytes(hybrid_pdf(b"<x/>", password="s"))
    (d / "sbd.xml").write_bytes(wrap((mirror / BASE).read_bytes(), receiver="0088:1"))
    out = json.loads(cli("validate", str(d), "--json", "--jobs", "1").stdout)
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert by_name["facturx.pdf"]["outcome"] == "valid" and by_name["facturx.pdf"]["scenario"] == "en16931-cii"
    assert "embedded in the PDF as factur-x.xml" in by_name["facturx.pdf"]["notes"][0]
    assert (by_name["scan.pdf"]["outcome"], by_name["scan.pdf"]["kind"]) == (
        "not_an_invoice", "PDF without an embedded invoice")
    assert by_name["locked.pdf"]["findings"][0]["rule_id"] == "PDF-ENCRYPTED"
    assert by_name["sbd.xml"]["reason_code"] == "ENVELOPE_INVALID"
    assert "BR-SBDH-1" in {f["rule_id"] for f in by_name["sbd.xml"]["findings"]}


def test_at_chooses_the_release_by_time_of_receipt(cli, mirror: Path):
    profile02 = str(mirror / "peppol-bis-billing-3@3.0.21/rules/examples/base-example_profile02.xml")
    now = json.loads(cli("validate", profile02, "--json").stdout)["files"][0]
    old = json.loads(cli("validate", profile02, "--json", "--at", "2026-08-23").stdout)["files"][0]
    assert (now["outcome"], now["release"]) == ("valid", "peppol-bis-billing-3@3.0.21")
    assert (old["outcome"], old["release"]) == ("invalid", "peppol-bis-billing-3@3.0.19")
    assert "PEPPOL-EN16931-R007" in {f["rule_id"] for f in old["findings"]}
    bad = cli("validate", profile02, "--at", "last tuesday")
    assert bad.exit_code == 2 and "--at" in bad.output


def test_validate_prints_a_summary_and_exits_0_when_all_are_valid(cli, mirror: Path):
    result = cli("validate", str(mirror / BASE), str(mirror / NL_BASE))
    assert result.exit_code == 0, result.output
    assert "Validation summary" in result.stdout
    assert "peppol-bis-billing-3" in result.stdout and "nlcius" in result.stdout


def test_validate_lists_the_failed_rules_of_invalid_files(cli, folder: Path):
    result = cli("validate", str(folder / "br-co-15.xml"))
    assert result.exit_code == 1
    assert "INVALID" in result.stdout and "BR-CO-15" in result.stdout
    assert "Most frequent rules" in result.stdout
    assert "Per layer" in result.stdout


def test_rules_and_no_xsd_options(cli, mirror: Path, tmp_path: Path):
    partial = replace_once((mirror / NL_BASE).read_bytes(), r"(<cbc:IssueDate>)", r"<cbc:Bogus/>\g<1>")
    (tmp_path / "partial.xml").write_bytes(partial)
    result = cli("validate", str(tmp_path / "partial.xml"), "--rules", "peppol-bis-3", "--no-xsd", "--json")
    assert result.exit_code == 1
    [file] = json.loads(result.stdout)["files"]
    assert file["scenario"] == "rules:peppol-bis-3"
    assert [layer["validity"] for layer in file["layers"]] == ["valid", "skipped", "invalid"]
    assert "PEPPOL-EN16931-R004" in {f["rule_id"] for f in file["findings"]}


def test_every_core_gives_the_same_results(cli, folder: Path):
    one = json.loads(cli("validate", str(folder), "--json", "--jobs", "1").stdout)
    two = json.loads(cli("validate", str(folder), "--json", "--jobs", "2").stdout)
    strip = lambda files: [(f["path"], f["outcome"], [x["rule_id"] for x in f["findings"]]) for f in files]  # noqa: E731
    assert strip(one["files"]) == strip(two["files"])
    assert one["summary"] == two["summary"]


@pytest.mark.parametrize(
    "args",
    [("validate", "/nonexistent/file.xml"), ("validate", "--rules", "bogus", "x.xml"), ("validate",)],
    ids=["missing-path", "unknown-rule-set", "no-paths"],
)
def test_usage_errors_exit_2(cli, args):
    assert cli(*args).exit_code == 2


def test_folder_without_xml_is_a_usage_error(cli, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    result = cli("validate", str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "no XML files" in result.output


def test_validate_without_artefacts_says_how_to_install(cli, mirror: Path, tmp_path: Path):
    result = cli("validate", str(mirror / BASE), "--artifacts-dir", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "einvoice artifacts install" in result.output


def test_artifacts_install_from_mirror_then_status(cli, mirror: Path, tmp_path: Path):
    dest = tmp_path / "installed"
    result = cli("artifacts", "install", "--from", str(mirror), "--dest", str(dest), "--no-examples")
    assert result.exit_code == 0, result.output
    assert "0 refused" in result.output
    status = cli("artifacts", "status", "--dest", str(dest), "--json")
    assert status.exit_code == 0
    data = json.loads(status.stdout)
    assert data["ready"] is True
    versions = {s["source"]: s["version"] for s in data["sources"]}
    assert versions["peppol-bis-billing-3"] == "v3.0.19" and versions["en16931"] == "validation-1.3.16"
    table = cli("artifacts", "status", "--dest", str(dest))
    assert table.exit_code == 0 and "v3.0.19" in table.stdout and "ready" in table.stdout


def test_artifacts_install_uses_the_mirror_setting(cli, mirror: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EINVOICE_ARTIFACTS_MIRROR", str(mirror))
    get_settings.cache_clear()
    result = cli("artifacts", "install", "--dest", str(tmp_path / "m"), "--no-examples")
    assert result.exit_code == 0, result.output
    assert f"mirror {mirror}" in result.output


def test_artifacts_status_of_an_empty_directory_is_not_ready(cli, tmp_path: Path):
    result = cli("artifacts", "status", "--dest", str(tmp_path / "nothing"), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ready"] is False
