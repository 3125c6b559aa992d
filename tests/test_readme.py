"""The README stays true: its configuration reference lists every setting with its default."""

from pathlib import Path

from scripts.settings_reference import render

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
