"""`einvoice users create | list | unlock` and the lock-out rule."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import Session

from service.models.workspace import StaffRole
from service.ui import accounts

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = [sys.executable, "-m", "service.cli"]


def run(args, env_extra, input_text=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update(env_extra)
    return subprocess.run(EINVOICE + args, capture_output=True, text=True, env=env, input=input_text, timeout=120)


@pytest.fixture
def cli_db(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    return env


def test_create_list_and_unlock(cli_db):
    r = run(["users", "create", "anna", "--role", "admin", "--password-stdin"], cli_db, "correct horse battery\n")
    assert r.returncode == 0, r.stderr
    assert "created admin anna" in r.stdout
    listed = run(["users", "list"], cli_db).stdout
    assert listed.startswith("anna\tadmin\tnl\tactive")
    assert "correct horse" not in listed
    assert run(["users", "unlock", "anna"], cli_db).returncode == 0
    r = run(["users", "unlock", "nobody"], cli_db)
    assert r.returncode == 1 and "no user 'nobody'" in r.stderr


def test_short_password_and_duplicates_are_refused(cli_db):
    r = run(["users", "create", "bob", "--password-stdin"], cli_db, "short\n")
    assert r.returncode == 1 and "at least 12 characters" in r.stderr
    assert run(["users", "create", "bob", "--password-stdin"], cli_db, "long enough password\n").returncode == 0
    r = run(["users", "create", "BOB", "--password-stdin"], cli_db, "long enough password\n")
    assert r.returncode == 1 and "already exists" in r.stderr


def test_password_is_stored_as_argon2(engine):
    with Session(engine) as s:
        user = accounts.create_user(s, username="Carla", password="a long secret pass", role=StaffRole.reviewer)
        assert user.username == "carla" and user.password_hash.startswith("$argon2id$")
        assert accounts.authenticate(s, "CARLA", "a long secret pass") is user


def test_lock_out_after_repeated_failures_and_unlock(engine):
    with Session(engine) as s:
        user = accounts.create_user(s, username="dirk", password="a long secret pass")
        for _ in range(accounts.MAX_FAILED_LOGINS):
            assert accounts.authenticate(s, "dirk", "wrong password!!") is None
        assert accounts.is_locked(user)
        # the right password does not help while locked
        assert accounts.authenticate(s, "dirk", "a long secret pass") is None
        epoch = user.session_epoch
        accounts.unlock(user)
        assert not accounts.is_locked(user) and user.session_epoch == epoch + 1
        assert accounts.authenticate(s, "dirk", "a long secret pass") is user
        assert accounts.authenticate(s, "nobody", "whatever") is None
