"""The Docker image's commands work from a clean virtual environment with a non-editable install.

No Docker engine runs on these machines, so this test does what the Dockerfile does, step by step:
install the package (not editable: migrations, templates and assets must be in the wheel), install
the artefacts from the mirror, migrate, serve, and run the HEALTHCHECK command against it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthcheck_argv() -> list[str]:
    line = re.search(r"HEALTHCHECK[^\n]*\\\n\s*CMD (\[[^\n]*\])", DOCKERFILE).group(1)
    return json.loads(line)


@pytest.mark.slow
def test_dockerfile_commands_work_in_a_clean_virtualenv(tmp_path, artifacts_mirror):
    assert "einvoice artifacts install --dest /opt/artifacts" in DOCKERFILE
    assert 'CMD ["sh", "-c", "einvoice migrate && exec einvoice serve"]' in DOCKERFILE
    assert "USER einvoice" in DOCKERFILE and "VOLUME [\"/app/data\"]" in DOCKERFILE

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_ = venv / "bin"
    pip = subprocess.run([str(bin_ / "pip"), "install", "--quiet", str(REPO)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]

    work = tmp_path / "app"  # not the checkout: the installed package must be self-contained
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({
        "PATH": f"{bin_}:{env.get('PATH', '')}",
        "EINVOICE_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "EINVOICE_SCHEMAS_MANIFEST": str(REPO / "schemas" / "manifest.json"),
        "EINVOICE_VALIDATION_CACHE_DIR": str(work / "data" / "cache"),
        "DATABASE_URL": f"sqlite:///{work / 'data' / 'einvoice.db'}",
        "EINVOICE_WEBHOOK_DISPATCHER_IN_SERVE": "false",
    })

    def einvoice(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_ / "einvoice"), *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)

    installed = einvoice("artifacts", "install", "--dest", env["EINVOICE_ARTIFACTS_DIR"],
                         "--from", str(artifacts_mirror))
    assert installed.returncode == 0, installed.stderr
    migrated = einvoice("migrate")
    assert migrated.returncode == 0, migrated.stderr

    port = _free_port()
    server = subprocess.Popen([str(bin_ / "einvoice"), "serve", "--port", str(port)], cwd=work,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = None
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    ready = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert ready == 200, "the installed service never became ready"
        argv = _healthcheck_argv()
        argv = [str(bin_ / "python") if a == "python" else a.replace("8000", str(port)) for a in argv]
        health = subprocess.run(argv, timeout=30)
        assert health.returncode == 0, f"HEALTHCHECK failed: {shlex.join(argv)}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200  # the workspace's templates and assets are in the wheel
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
