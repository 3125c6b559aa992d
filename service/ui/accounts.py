"""Staff accounts of the workspace: argon2id password hashes, login with lock-out.

After ``MAX_FAILED_LOGINS`` consecutive wrong passwords an account is locked for
``LOCKOUT_MINUTES`` (or until `einvoice users unlock`). A locked account answers exactly like a
wrong password, so the login page does not tell an attacker which accounts exist.
"""

from __future__ import annotations

import re
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import case, literal, or_, update
from sqlmodel import Session, select

from service.models.base import utcnow
from service.models.workspace import Language, StaffRole, StaffUser

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class AccountError(ValueError):
    """A bad username or password given to account management."""


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.username == normalise_username(username))).first()


def create_user(session: Session, *, username: str, password: str, role: StaffRole = StaffRole.reviewer,
                display_name: str = "", language: Language = Language.nl) -> StaffUser:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError("a username is 2-100 characters: letters, digits, '.', '_', '@', '-'")
    if find_user(session, name) is not None:
        raise AccountError(f"user {name!r} already exists")
    user = StaffUser(username=name, display_name=display_name.strip() or name,
                     password_hash=hash_password(password), role=role, language=language)
    session.add(user)
    session.flush()
    return user


def is_locked(user: StaffUser) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The user when the password is right and the account usable; counts failures, locks out."""
    user = find_user(session, username)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not user.active or is_locked(user) or user.password_hash is None:
        # No password (signs in through the identity provider), inactive or locked: like a wrong password.
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        _count_failure(session, user)
        return None
    if not _clear_failures(session, user):
        return None  # locked by parallel wrong guesses while this password was being checked
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
        session.flush()
    return user


def _count_failure(session: Session, user: StaffUser) -> None:
    """One more wrong password, counted in the database row itself.

    Parallel guesses each read the same counter; incrementing the value they read lost updates
    (30 parallel wrong passwords left the counter at 1-2). ``failed_logins + 1`` in one UPDATE is
    applied to the current row under its row lock, so every failure counts; the one that reaches the
    limit locks the account and starts the count again.
    """
    table = StaffUser.__table__
    reaches = table.c.failed_logins + 1 >= MAX_FAILED_LOGINS
    session.execute(
        update(table).where(table.c.id == user.id).values(
            failed_logins=case((reaches, 0), else_=table.c.failed_logins + 1),
            locked_until=case((reaches, literal(utcnow() + timedelta(minutes=LOCKOUT_MINUTES),
                                                type_=table.c.locked_until.type)),
                              else_=table.c.locked_until),
        )
    )
    session.expire(user, ["failed_logins", "locked_until"])


def _clear_failures(session: Session, user: StaffUser) -> bool:
    """Reset the counter after a right password, unless the account got locked meanwhile."""
    table = StaffUser.__table__
    now = utcnow()
    done = session.execute(
        update(table).where(table.c.id == user.id)
        .where(or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    session.expire(user, ["failed_logins", "locked_until", "last_login_at"])
    return done.rowcount == 1


def unlock(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.session_epoch += 1


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
