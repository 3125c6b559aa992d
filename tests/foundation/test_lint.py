"""`make lint` guards what it claims: each of its three tools fails on a planted violation.

The tools run with the repository's own configuration (pyproject.toml) on small copies, so a
configuration that silently stopped checking (a contract naming a module that moved, a strict
override that no longer matches) fails here rather than passing everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: `make install` installs the test extra", pytrace=False)
    return str(path)


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_make_lint_runs_all_three_and_ci_runs_it_before_the_tests() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for tool in ("ruff check", "lint-imports", "mypy"):
        assert tool in recipe, tool
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci  # a failing `make lint` stops the run
    assert 0 < ci.index("\nmake lint") < ci.index("\nmake test")


def test_ruff_fails_on_an_unused_import_and_a_blind_except(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f() -> None:\n    try:\n        pass\n    except Exception:\n        pass\n")
    result = _run(_tool("ruff"), "check", "--config", str(PYPROJECT), "--no-cache", str(bad), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "F401" in result.stdout and "BLE001" in result.stdout


def _service_copy(tmp_path: Path) -> Path:
    """The service package's Python files (no data) and pyproject.toml, in a fresh directory."""
    shutil.copytree(ROOT / "service", tmp_path / "service",
                    ignore=lambda _d, names: [n for n in names if not (n.endswith(".py") or "." not in n)])
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    # the copy, not the installed package, is the one analysed
    return _run(_tool("lint-imports"), "--no-cache", cwd=root, env={"PYTHONPATH": str(root)})


def test_import_linter_keeps_the_contracts_on_the_code_as_it_is(tmp_path: Path) -> None:
    result = _lint_imports(_service_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_linter_fails_when_a_pure_core_imports_the_database(tmp_path: Path) -> None:
    root = _service_copy(tmp_path)
    engine = root / "service" / "matching" / "engine.py"
    engine.write_text(engine.read_text() + "\nimport sqlalchemy  # planted\n")
    result = _lint_imports(root)
    assert result.returncode == 1
    assert "service.matching.engine -> sqlalchemy" in result.stdout


def test_import_linter_fails_on_an_import_cycle_between_siblings(tmp_path: Path) -> None:
    root = _service_copy(tmp_path)
    received = root / "service" / "masterdata" / "received.py"
    received.write_text(received.read_text() + "\nfrom service.masterdata import orders  # planted\n")
    result = _lint_imports(root)
    assert result.returncode == 1
    assert "No cycles are allowed in service.masterdata" in result.stdout


def _mypy(root: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return _run(_tool("mypy"), "--config-file", str(root / "pyproject.toml"), "--cache-dir", str(root / ".mypy"),
                *files, cwd=root)


def test_mypy_is_strict_in_a_pure_core_and_lenient_elsewhere(tmp_path: Path) -> None:
    root = tmp_path
    for package in ("service", "service/matching", "service/cli"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text("")
    shutil.copy(PYPROJECT, root / "pyproject.toml")
    untyped = "def double(x):\n    return x * 2\n"
    (root / "service" / "matching" / "planted.py").write_text(untyped)
    (root / "service" / "cli" / "planted.py").write_text(untyped)

    core = _mypy(root, "service/matching/planted.py")
    assert core.returncode == 1 and "no-untyped-def" in core.stdout, core.stdout + core.stderr
    elsewhere = _mypy(root, "service/cli/planted.py")
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr

    # lenient is not off: a plain type error fails everywhere
    (root / "service" / "cli" / "planted.py").write_text('count: int = "many"\n')
    wrong = _mypy(root, "service/cli/planted.py")
    assert wrong.returncode == 1 and "[assignment]" in wrong.stdout, wrong.stdout + wrong.stderr
