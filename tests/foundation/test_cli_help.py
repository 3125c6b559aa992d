"""`einvoice --help` and every command's help render as a person expects.

Typer's help rendering has changed under us (0.27 printed `{paths}...` in usage lines, 0.29
`<bool>` beside every flag; before 0.16 it failed on click 8.2), so pyproject.toml pins the range
that renders correctly and this test runs the real console script for every command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from service.cli import app
import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = Path(sys.executable).with_name("einvoice")  # the console script pip installed


def _commands(command, path=()):
    """(path, click command) for the root, every group and every command."""
    yield path, command
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        if not getattr(sub, "hidden", False):
            yield from _commands(sub, (*path, name))


def _expected_usage(path, command) -> str:
    usage = " ".join(("Usage: einvoice", *path, "[OPTIONS]"))
    if getattr(command, "commands", None):
        return usage + " COMMAND [ARGS]..."
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        metavar = param.name.upper() + ("..." if param.nargs == -1 else "")
        usage += " " + (metavar if param.required else f"[{metavar}]")
    return usage


def _render_help(path: tuple[str, ...]) -> subprocess.CompletedProcess:
    """The help as the console script renders it, run in this process (a fresh interpreter per
    command would cost a second each; the console script itself is run in the test below)."""
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    return subprocess.CompletedProcess(path, result.exit_code, result.stdout,
                                       repr(result.exception) if result.exception else "")


def test_every_command_renders_its_help():
    problems: list[str] = []
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) > 20  # the tree was walked, not just the root
    for path, command in commands:
        result = _render_help(path)
        name = " ".join(("einvoice", *path))
        text = result.stdout
        if result.returncode != 0 or result.stderr:
            problems.append(f"{name} --help: exit {result.returncode}: {result.stderr[-300:]}")
            continue
        lines = [line.strip(" │") for line in text.splitlines()]
        if _expected_usage(path, command) not in lines:
            problems.append(f"{name}: usage line is not {_expected_usage(path, command)!r}")
        if re.search(r"<[a-z][\w\[\]|-]*>|\{\w+\}", text):
            problems.append(f"{name}: placeholder such as <bool> or {{name}} in the help")
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        if summary and summary[:40] not in text:
            problems.append(f"{name}: its description is missing")
        for sub in (getattr(command, "commands", None) or {}):
            if not any(line.startswith(sub + " ") for line in lines):
                problems.append(f"{name}: subcommand {sub} is not listed")
        for param in getattr(command, "params", []):
            if param.param_type_name != "option" or param.hidden:
                continue
            long = max(param.opts, key=len)
            row = next((line for line in lines if re.search(rf"(^|\s){re.escape(long)}(\s|/|$)", line)), None)
            if row is None:
                problems.append(f"{name}: option {long} is not listed")
            elif not (param.is_flag or param.count):
                # a value option shows what it takes: TEXT, INTEGER, PATH or the [a|b] choices
                after = row.split(long, 1)[1]
                if not re.search(r"\b[A-Z]{3,}\b|\[[\w.-]+(\|[\w.-]+)+", after):
                    problems.append(f"{name}: option {long} shows no value type: {row!r}")
    assert not problems, "\n".join(problems)


def test_the_console_script_renders_the_same_help():
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    for path in ((), ("matching", "policy", "set")):
        real = subprocess.run([str(EINVOICE), *path, "--help"], env=env, capture_output=True, text=True,
                              timeout=120)
        assert real.returncode == 0 and not real.stderr, real.stderr
        assert real.stdout == _render_help(path).stdout
