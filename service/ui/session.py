"""Workspace sign-in state: a signed, HttpOnly, SameSite=Lax session cookie and CSRF tokens.

The cookie holds ``{u: user id, e: session epoch, c: csrf token}`` signed with ``settings.secret_key``
(itsdangerous, timestamped: 8 hours), and for a sign-in through the identity provider ``m: "oidc"``
and, when it is small enough for a cookie, the ID token (``i``), sent back as ``id_token_hint`` when
the user signs out at the provider too. Bumping the user's ``session_epoch`` (logout, unlock)
invalidates every cookie issued before. Every form carries the CSRF token of the session (the login
form: a double-submit token in a short-lived cookie), checked in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from service.models.workspace import StaffUser
from service.ui.accounts import is_locked

SESSION_COOKIE = "einvoice_session"
LOGIN_CSRF_COOKIE = "einvoice_login_csrf"
SESSION_MAX_AGE = 8 * 3600
LOGIN_CSRF_MAX_AGE = 3600
# Browsers keep cookies up to ~4 KB; an ID token with many groups can be larger, and the provider's
# end-session endpoint also works without the hint (it then asks the user to confirm).
MAX_ID_TOKEN_IN_COOKIE = 2000


class LoginRequired(Exception):
    """Raised by the page dependencies; rendered as a redirect to the login page."""


class CsrfFailed(Exception):
    """A form arrived without the right CSRF token (or from another origin)."""


@dataclass
class StaffSession:
    user: StaffUser
    csrf: str
    # Plain copies for error pages, which render after the request's session is gone.
    display: str = ""
    language: str = "nl"
    via: str = "password"  # "password" or "oidc"
    id_token_hint: str | None = None
    # the organisation whose invoices the person works on now, and all they may switch to
    organisation_id: uuid.UUID | None = None
    organisations: tuple[tuple[uuid.UUID, str], ...] = ()
    unread: int = 0  # unread notifications (the header shows the count)
    is_admin: bool = False  # the header links to user administration

    @property
    def actor(self) -> str:
        return f"user:{self.user.username}"


def _serializer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt=salt)


def _secure(request: Request) -> bool:
    return str(request.app.state.settings.public_base_url).startswith("https://")


def start_session(request: Request, response: Response, user: StaffUser, *, id_token: str | None = None) -> None:
    """Sign ``user`` in; ``id_token`` when the identity provider signed them in."""
    payload = {"u": str(user.id), "e": user.session_epoch, "c": secrets.token_urlsafe(24)}
    if id_token is not None:
        payload["m"] = "oidc"
        if len(id_token) <= MAX_ID_TOKEN_IN_COOKIE:
            payload["i"] = id_token
    value = _serializer(request, "einvoice.session").dumps(payload)
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def read_session(request: Request, session: Session) -> StaffSession | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        payload = _serializer(request, "einvoice.session").loads(raw, max_age=SESSION_MAX_AGE)
        user_id = uuid.UUID(payload["u"])
    except (BadSignature, KeyError, ValueError, TypeError):
        return None
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or is_locked(user) or user.session_epoch != payload.get("e"):
        return None
    hint = payload.get("i")
    return StaffSession(user=user, csrf=str(payload.get("c", "")), display=user.display_name or user.username,
                        language=user.language.value, via="oidc" if payload.get("m") == "oidc" else "password",
                        id_token_hint=hint if isinstance(hint, str) else None)


def login_csrf_token(request: Request, response: Response) -> str:
    """The login form's token: reuse the cookie's when valid, else issue a new one."""
    serializer = _serializer(request, "einvoice.login")
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    if raw:
        try:
            return serializer.loads(raw, max_age=LOGIN_CSRF_MAX_AGE)
        except BadSignature:
            pass
    token = secrets.token_urlsafe(24)
    response.set_cookie(LOGIN_CSRF_COOKIE, serializer.dumps(token), max_age=LOGIN_CSRF_MAX_AGE, httponly=True,
                        samesite="strict", secure=_secure(request), path="/ui")
    return token


def check_login_csrf(request: Request, submitted: str) -> None:
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    try:
        expected = _serializer(request, "einvoice.login").loads(raw or "", max_age=LOGIN_CSRF_MAX_AGE)
    except BadSignature:
        raise CsrfFailed() from None
    check_origin(request)
    if not submitted or not hmac.compare_digest(str(expected), submitted):
        raise CsrfFailed()


def check_csrf(request: Request, staff: StaffSession, submitted: str) -> None:
    check_origin(request)
    if not submitted or not staff.csrf or not hmac.compare_digest(staff.csrf, submitted):
        raise CsrfFailed()


class FormRefused(CsrfFailed):
    """A posted form failed the CSRF check: the person goes back to the page it was on (``back``),
    which says why (``error=csrf``) and has the form to send again."""

    def __init__(self, back: str) -> None:
        super().__init__()
        self.back = back


def check_form(request: Request, staff: StaffSession, form: Mapping[str, Any], back: str | None = None) -> None:
    """The one check of every posted workspace form: its CSRF token and origin. On failure,
    ``FormRefused`` (a 303 to ``back`` with ``error=csrf``), or without ``back`` ``CsrfFailed`` (the
    403 page). Raised, so the route's unit of work rolls back whatever it did before."""
    try:
        check_csrf(request, staff, str(form.get("csrf_token", "")))
    except CsrfFailed:
        if back is None:
            raise
        raise FormRefused(back) from None


def check_origin(request: Request) -> None:
    """Refuse cross-site form posts outright when the browser says where they come from."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise CsrfFailed()
