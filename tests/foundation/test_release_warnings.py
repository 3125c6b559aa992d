"""/readyz warns (and stays ready) when a rule-set release became mandatory but is not installed."""

from __future__ import annotations

from pathlib import Path

from service.validation import ValidationEngine

from tests.validation.validation_samples import MIRROR

def test_readyz_warns_when_a_mandatory_release_is_not_installed(client, tmp_path: Path, monkeypatch) -> None:
    from service.validation.artefacts import install_from_mirror

    install_from_mirror(MIRROR, tmp_path, include_examples=False)
    (tmp_path / "peppol-bis-billing-3@3.0.21/rules/sch/CEN-EN16931-UBL.sch").unlink()
    stale = ValidationEngine(tmp_path, cache_dir=tmp_path / "cache")  # starts: 3.0.19 is there
    assert stale.active_release("peppol-bis-billing-3").version == "3.0.19"
    monkeypatch.setattr(client.app.state, "validation", stale)
    body = client.get("/readyz")
    assert body.status_code == 200  # still validating, with the predecessor
    [warning] = body.json()["warnings"]
    assert "einvoice artifacts install" in body.json()["next_step"]
    assert "peppol-bis-billing-3: release 3.0.21 is mandatory since 2026-08-24 but not installed" in warning
