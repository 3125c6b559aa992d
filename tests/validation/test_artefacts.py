"""Installing, verifying and reporting the pinned artefacts (mirror and network, via respx)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import httpx
import pytest
import respx

from service.config import Settings
from service.validation import ArtefactsMissing, ValidationEngine
from service.validation.artefacts import (
    ArtefactError,
    FileState,
    Manifest,
    ManifestFile,
    install,
    install_from_mirror,
    load_manifest,
    missing_artefacts,
    status,
)
from service.validation_setup import load_validation


def _file(local_path: str, content: bytes, url: str, alt_url: str | None = None) -> ManifestFile:
    return ManifestFile(
        local_path=local_path,
        source="test",
        role="schematron",
        version="v1",
        url=url,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        alt_url=alt_url,
    )


def test_manifest_pins_what_the_service_needs():
    manifest = load_manifest()
    paths = {f.local_path for f in manifest.files}
    for document in ("Invoice", "CreditNote", "Order", "DespatchAdvice", "ReceiptAdvice", "ApplicationResponse"):
        assert f"ubl-2.1/xsdrt/maindoc/UBL-{document}-2.1.xsd" in paths
    for needed in (
        "en16931/ubl/xslt/EN16931-UBL-validation.xslt",
        "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch",
        "nlcius/xsl/si-ubl-2.0.xsl",
        "nlcius/xsl/si-ubl-2.0-ext-gaccount.xsl",
        "peppol-bis-billing-3/structure/codelist/UNECERec20-11e.xml",
        "peppol-bis-billing-3/structure/codelist/ISO4217_2015.xml",
        "peppol-bis-billing-3/structure/codelist/MimeCode.xml",
    ):
        assert needed in paths
    for f in manifest.files:
        assert len(f.sha256) == 64 and f.url.startswith("https://") and f.version


def test_manifest_agrees_with_the_mirror_manifest(mirror: Path):
    import json

    upstream = {f["local_path"]: f for f in json.loads((mirror / "MANIFEST.json").read_text())["files"]}
    for f in load_manifest().files:
        assert upstream[f.local_path]["sha256"] == f.sha256
        assert upstream[f.local_path]["url"] == f.url


def test_install_from_mirror_verifies_and_is_idempotent(mirror: Path, tmp_path: Path):
    report = install(tmp_path, mirror=mirror)
    assert report.ok and len(report.installed) == len(load_manifest().files)
    assert all(s.state is FileState.installed for s in status(tmp_path))
    assert missing_artefacts(tmp_path) == []
    again = install(tmp_path, mirror=mirror)
    assert again.installed == [] and len(again.unchanged) == len(report.installed)


def test_mirror_file_with_wrong_checksum_is_refused(mirror: Path, tmp_path: Path):
    bad_mirror = tmp_path / "mirror"
    target = "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch"
    (bad_mirror / target).parent.mkdir(parents=True)
    (bad_mirror / target).write_bytes((mirror / target).read_bytes() + b"<!-- tampered -->")
    manifest = Manifest(files=(load_manifest().get(target),))
    report = install(tmp_path / "dest", mirror=bad_mirror, manifest=manifest)
    assert not report.ok
    assert "SHA-256 mismatch" in report.errors[0] and target in report.errors[0]
    assert not (tmp_path / "dest" / target).exists()
    with pytest.raises(ArtefactError, match="not found in mirror"):
        install_from_mirror(bad_mirror, tmp_path / "dest2", include_examples=False)


def test_status_reports_missing_and_corrupt_files(mirror: Path, tmp_path: Path):
    manifest = load_manifest()
    required = [f for f in manifest.files if f.required][:2]
    small = Manifest(files=tuple(required))
    install(tmp_path, mirror=mirror, manifest=small)
    (tmp_path / required[0].local_path).write_bytes(b"changed")
    (tmp_path / required[1].local_path).unlink()
    states = {s.file.local_path: s.state for s in status(tmp_path, small)}
    assert states == {required[0].local_path: FileState.corrupt, required[1].local_path: FileState.missing}
    problems = missing_artefacts(tmp_path, small)
    assert problems[0].startswith("artefact corrupt") and problems[1].startswith("artefact missing")


@respx.mock
def test_download_verifies_the_checksum(tmp_path: Path):
    good = b"<schema/>"
    files = (
        _file("a/good.sch", good, "https://example.test/good.sch"),
        _file("a/tampered.sch", b"<expected/>", "https://example.test/tampered.sch"),
        _file("a/offline.sch", b"<x/>", "https://example.test/offline.sch"),
        _file("a/fallback.sch", good, "https://example.test/gone.sch", alt_url="https://mirror.test/fallback.sch"),
    )
    respx.get("https://example.test/good.sch").mock(return_value=httpx.Response(200, content=good))
    respx.get("https://example.test/tampered.sch").mock(return_value=httpx.Response(200, content=b"<evil/>"))
    respx.get("https://example.test/offline.sch").mock(side_effect=httpx.ConnectError("network unreachable"))
    respx.get("https://example.test/gone.sch").mock(return_value=httpx.Response(404))
    respx.get("https://mirror.test/fallback.sch").mock(return_value=httpx.Response(200, content=good))

    report = install(tmp_path, manifest=Manifest(files=files))

    assert sorted(report.installed) == ["a/fallback.sch", "a/good.sch"]
    assert (tmp_path / "a/good.sch").read_bytes() == good
    assert not (tmp_path / "a/tampered.sch").exists()
    assert not (tmp_path / "a/offline.sch").exists()
    errors = "\n".join(report.errors)
    assert "a/tampered.sch" in errors and "SHA-256 mismatch" in errors
    assert "a/offline.sch" in errors and "ConnectError" in errors and "network unreachable" in errors
    assert len(report.errors) == 2


def test_engine_refuses_to_start_without_artefacts(tmp_path: Path):
    with pytest.raises(ArtefactsMissing) as info:
        ValidationEngine(tmp_path)
    assert any("UBL-Invoice-2.1.xsd" in p for p in info.value.problems)


def test_service_is_not_ready_without_artefacts(tmp_path: Path):
    engine, problems = load_validation(
        Settings(artifacts_dir=tmp_path / "empty", validation_cache_dir=tmp_path / "cache", environment="test")
    )
    assert engine is None
    assert problems and all("einvoice artifacts install" in p for p in problems)


def test_corrupt_artefact_blocks_the_engine(mirror: Path, tmp_path: Path):
    install(tmp_path, mirror=mirror, include_examples=False)
    xslt = tmp_path / "en16931/ubl/xslt/EN16931-UBL-validation.xslt"
    shutil.copyfile(tmp_path / "nlcius/xsl/si-ubl-2.0.xsl", xslt)
    with pytest.raises(ArtefactsMissing, match="corrupt"):
        ValidationEngine(tmp_path)


def test_unknown_accepted_scenario_keeps_the_service_unready(artifacts_dir: Path, tmp_path: Path):
    engine, problems = load_validation(
        Settings(
            artifacts_dir=artifacts_dir,
            validation_cache_dir=tmp_path / "cache",
            accepted_scenarios=["peppol-bis-billing-3", "xrechnung"],
            environment="test",
        )
    )
    assert engine is None
    assert any("unknown scenario 'xrechnung'" in p for p in problems)
