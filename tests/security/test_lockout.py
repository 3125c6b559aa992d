"""Staff lock-out holds under parallel guessing: every wrong password counts (issue #21: 30 parallel
wrong passwords on PostgreSQL left the counter at 1-2 and the account open)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, select

from service.db import unit_of_work
from service.models.workspace import StaffUser
from service.ui import accounts

PASSWORD = "correct horse battery staple"


def guess_in_parallel(engine, username: str, guesses: int) -> None:
    start = threading.Barrier(guesses)

    def guess(i: int):
        start.wait()  # let the guesses read the account at the same time
        with unit_of_work(engine) as s:
            return accounts.authenticate(s, username, f"wrong password {i}")

    with ThreadPoolExecutor(guesses) as pool:
        assert list(pool.map(guess, range(guesses))) == [None] * guesses


def test_thirty_parallel_wrong_passwords_lock_the_account(engine):
    with unit_of_work(engine) as s:
        accounts.create_user(s, username="anna", password=PASSWORD)
    guess_in_parallel(engine, "anna", 30)
    with Session(engine) as s:
        assert accounts.is_locked(s.exec(select(StaffUser)).one())
    with unit_of_work(engine) as s:  # the right password does not open a locked account
        assert accounts.authenticate(s, "anna", PASSWORD) is None


def test_parallel_wrong_passwords_are_each_counted(engine):
    """Fewer than the limit, all at once: the counter holds every one (no lost update)."""
    with unit_of_work(engine) as s:
        accounts.create_user(s, username="carla", password=PASSWORD)
    guess_in_parallel(engine, "carla", accounts.MAX_FAILED_LOGINS - 1)
    with Session(engine) as s:
        user = s.exec(select(StaffUser)).one()
        assert user.failed_logins == accounts.MAX_FAILED_LOGINS - 1 and not accounts.is_locked(user)


def test_a_right_password_resets_the_count(engine):
    with unit_of_work(engine) as s:
        accounts.create_user(s, username="bert", password=PASSWORD)
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with unit_of_work(engine) as s:
            assert accounts.authenticate(s, "bert", "wrong password!") is None
    with unit_of_work(engine) as s:
        user = accounts.authenticate(s, "bert", PASSWORD)
        assert user is not None and user.failed_logins == 0 and user.last_login_at is not None
    with unit_of_work(engine) as s:
        assert accounts.authenticate(s, "bert", "wrong password!") is None
    with Session(engine) as s:
        user = s.exec(select(StaffUser)).one()
        assert user.failed_logins == 1 and not accounts.is_locked(user)
