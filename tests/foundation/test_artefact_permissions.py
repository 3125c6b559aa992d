"""Installed artefacts are readable by a service account other than the one that installed them.

An image build or an administrator installs them (often as root, sometimes with umask 077); the
service runs as its own unprivileged user and must read every file.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = str(Path(sys.executable).with_name("einvoice"))


@pytest.fixture
def public_folder():
    """A folder outside pytest's tmp (which is 0700) that another account may enter, like /opt."""
    folder = Path(tempfile.mkdtemp(prefix="einvoice-artefacts-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _install(dest: Path, mirror: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_")}
    result = subprocess.run([EINVOICE, "artifacts", "install", "--dest", str(dest), "--from", str(mirror)],
                            env=env, capture_output=True, text=True, timeout=300,
                            preexec_fn=lambda: os.umask(0o077))  # a strict administrator
    assert result.returncode == 0, result.stderr


def test_installed_artefacts_are_world_readable_even_under_umask_077(public_folder, artifacts_mirror):
    dest = public_folder / "artifacts"
    _install(dest, artifacts_mirror)
    files = [p for p in dest.rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in [dest, *dest.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = 0o755 if path.is_dir() else 0o644
        assert mode & wanted == wanted, f"{path}: {oct(mode)}"


def test_files_installed_0600_by_an_earlier_version_are_fixed_by_installing_again(public_folder,
                                                                                 artifacts_mirror):
    dest = public_folder / "artifacts"
    _install(dest, artifacts_mirror)
    some = next(p for p in dest.rglob("*.xsd"))
    some.chmod(0o600)
    _install(dest, artifacts_mirror)  # nothing to copy: every file is already in place
    assert stat.S_IMODE(some.stat().st_mode) == 0o644


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root to act as another account")
def test_another_account_reads_every_installed_file(public_folder, artifacts_mirror):
    dest = public_folder / "artifacts"
    _install(dest, artifacts_mirror)
    read_all = ("import pathlib, sys; files = [p for p in pathlib.Path(sys.argv[1]).rglob('*') if p.is_file()]; "
                "print(sum(len(p.read_bytes()) > 0 for p in files), len(files))")
    result = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                             sys.executable, "-c", read_all, str(dest)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    readable, total = map(int, result.stdout.split())
    assert readable == total > 50
