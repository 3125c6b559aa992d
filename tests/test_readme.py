"""The README stays true: its configuration reference lists every setting with its default, and
its first-steps walk-through, run as written against a real server, ends in an approved invoice."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.settings_reference import render
from tests.servers import serving

README = Path(__file__).resolve().parent.parent / "README.md"


def test_configuration_reference_equals_the_settings():
    assert render() in README.read_text(encoding="utf-8"), (
        "README configuration reference is stale: paste `python scripts/settings_reference.py`"
    )


def test_readme_has_exactly_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in setup.splitlines() if line.startswith("make ")]
    assert commands == ["make run", "make test"]


# --- the README's examples, run as written ---------------------------------------------------------


def _shell_blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", body, flags=re.S)


@pytest.fixture
def live_server(settings, engine, validation):
    """The app (the test session's validation engine) behind a real HTTP port, in a thread."""
    from service.main import create_app

    with serving(create_app(settings, engine=engine, validation=validation)) as url:
        yield url


def test_the_first_steps_end_in_an_approved_invoice(live_server, db_url):
    [script] = _shell_blocks("First steps")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": db_url, "EINVOICE_ENVIRONMENT": "test"})
    venv = Path(sys.executable).parent.parent
    script = script.replace("http://127.0.0.1:8000", live_server).replace(".venv/", f"{venv}/")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=README.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    expected = re.findall(r"^# (KAN-\S+ \w+)$", script, flags=re.M)
    assert expected == ["KAN-2026-0042 approved"]
    assert result.stdout.splitlines() == ["bank account: 200", "order: 201", "receipt: 201",
                                          "KAN-2026-0042 approved"], result.stdout
