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
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = utcnow() + timedelta(minutes=LOCKOUT_MINUTES)
            user.failed_logins = 0
        session.add(user)
        session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    return user


def unlock(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.session_epoch += 1


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
