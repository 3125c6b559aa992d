"""/readyz tells an operator what to do next, also after `einvoice artifacts install`."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient


def test_without_artefacts_it_says_to_install_them_then_restart(bare_client):
    body = bare_client.get("/readyz").json()
    assert body["status"] == "not ready"
    assert body["next_step"] == "run `einvoice artifacts install`, then restart the service"


def test_after_an_install_the_running_process_says_to_restart(bare_client, settings, artifacts_dir):
    assert "artifacts install" in bare_client.get("/readyz").json()["next_step"]
    shutil.copytree(artifacts_dir, settings.artifacts_dir)  # what `einvoice artifacts install` writes

    r = bare_client.get("/readyz")
    assert r.status_code == 503  # this process loaded no rule sets; it cannot validate yet
    assert r.json()["next_step"].startswith("restart the service: the validation artefacts changed on disk")


def test_a_ready_process_whose_artefacts_are_replaced_says_to_restart(client, settings, artifacts_dir):
    assert client.get("/readyz").json() == {"status": "ready", "problems": []}
    shutil.copytree(artifacts_dir, settings.artifacts_dir)
    r = client.get("/readyz")
    assert r.status_code == 200  # it still validates, with the rule sets it loaded
    assert r.json()["next_step"].startswith("restart the service")


def test_an_unmigrated_database_says_to_migrate(settings, tmp_path, validation):
    from service.main import create_app

    empty = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'empty.db'}",
                                        "webhook_dispatcher_in_serve": False})
    with TestClient(create_app(empty, validation=validation)) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["problems"][0].startswith("database schema is at nothing, this version needs ")
    assert r.json()["next_step"] == "run `einvoice migrate`"
