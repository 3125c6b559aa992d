"""Authentication and role guards for the /v1 API.

``Authorization: Bearer <key>``; a missing or unknown key is 401, a role that may not call the
endpoint is 403 (both RFC 9457 problem details). ``admin`` may do everything.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select

from sqlmodel import Session

from service import generations
from service.api import offload
from service.db import reading
from service.errors import Forbidden, Unauthorized
from service import ratelimit
from service.keys import find_active_key
from service.models.keys import ApiKey, Role

bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer ei_...`")


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key (or, in the workspace, a staff user)."""

    role: Role
    actor: str  # what audit events record: "key:<prefix>" or "user:<name>"
    supplier_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    name: str = ""
    rights: tuple[str, ...] | None = None  # approval rights stored on the key (None: the role's defaults)
    approval_limit: Decimal | None = None  # the most the key may approve alone
    # the organisation whose data the caller sees; None: every organisation (instance-wide admin, gateway)
    organisation_id: uuid.UUID | None = None

    def has_role(self, *roles: Role) -> bool:
        return self.role is Role.admin or self.role in roles


class RecentKeys:
    """This process's keys that authenticated lately: SHA-256 of the key -> its principal.

    A hit is a hint, never a pass: it only spares a route that confirms the key in its own
    transaction (``confirm_key``) the separate look-up before the body is read, so a revoked key
    (revoked by any process) is refused as before, and an unknown key still costs the look-up.
    Bounded: entries expire after ``ttl`` seconds and the map is emptied when it is full."""

    def __init__(self, *, ttl: float = 300.0, size: int = 4096) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def get(self, secret: str) -> Principal | None:
        entry = self._entries.get(self._digest(secret))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def remember(self, secret: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[self._digest(secret)] = (principal, time.monotonic() + self.ttl)

    def forget(self, key_id: uuid.UUID | None) -> None:
        with self._lock:
            for digest in [d for d, (p, _) in self._entries.items() if p.key_id == key_id]:
                del self._entries[digest]


def _recent_keys(request: Request) -> RecentKeys | None:
    return getattr(request.app.state, "recent_keys", None)  # one per process (main.create_app)


# endpoints that confirm a recently seen key in their own transaction (``confirm_key``)
_CONFIRMING: set[Callable[..., Any]] = set()


def confirms_key(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an endpoint that calls ``confirm_key`` when ``key_unconfirmed(request)``: its requests
    with a recently seen key skip the separate look-up (a trip through the thread pool and a
    database session of their own). Only for endpoints that rely on no more of the key than what
    ``confirm_key`` compares (active, role, supplier, organisation): a cached caller's name,
    rights and approval limit may be up to ``RecentKeys.ttl`` old."""
    _CONFIRMING.add(endpoint)
    return endpoint


def key_unconfirmed(request: Request) -> bool:
    return bool(getattr(request.state, "key_unconfirmed", False))


# what intake relies on: the key exists, is not revoked, and is still who it was
_KEY_STATE = select(ApiKey.revoked_at, ApiKey.role, ApiKey.supplier_id, ApiKey.organisation_id).where(
    ApiKey.id == bindparam("key_id"))


# the same with the configuration's token: one round trip for both (``read_key_with_configuration``)
_KEY_STATE_AND_TOKEN = select(generations.TOKEN, *_KEY_STATE.selected_columns).where(ApiKey.id == bindparam("key_id"))
_KEY_ROW = "einvoice.key_state"  # session.info: the row read with the token
_UNREAD = object()


def read_key_with_configuration(session: Session, principal: Principal) -> None:
    """Let the transaction's read of the configuration token (service/generations.py, which intake
    runs anyway) read the key's state for ``confirm_key`` too: a round trip less per request."""
    def keep(row: Any) -> None:
        session.info[_KEY_ROW] = row

    generations.read_with_token(session, _KEY_STATE_AND_TOKEN, {"key_id": principal.key_id}, keep)


def confirm_key(session: Session, request: Request, principal: Principal) -> None:
    """Raise ``Unauthorized`` unless ``principal``'s key is still active and unchanged, read in
    ``session``'s transaction (one indexed read by primary key, or the row read with the
    configuration's token; the caller commits after it)."""
    row = session.info.pop(_KEY_ROW, _UNREAD)
    if row is _UNREAD:  # no read of the token came: read on our own
        generations.unread(session)
        row = session.execute(_KEY_STATE, {"key_id": principal.key_id}).first()
    if (row is None or row.revoked_at is not None or Role(row.role) is not principal.role
            or row.supplier_id != principal.supplier_id or row.organisation_id != principal.organisation_id):
        if (recent := _recent_keys(request)) is not None:
            recent.forget(principal.key_id)
        raise Unauthorized("the API key is unknown or revoked")
    request.state.key_unconfirmed = False


def _credentials(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    return credentials.credentials


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller. async: a recently seen key on an endpoint that confirms it in its own
    transaction costs no trip through the thread pool; anything else is looked up there."""
    secret = _credentials(credentials)
    recent = _recent_keys(request)
    if (recent is not None and request.scope.get("endpoint") in _CONFIRMING
            and not request.app.state.settings.rate_limit_per_minute):
        principal = recent.get(secret)
        if principal is not None:
            request.state.principal = principal
            request.state.key_unconfirmed = True
            return principal
    return await offload.in_thread(authenticate, request, credentials)


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """Look the key up (and count it against the rate limit); a plain function for the thread pool."""
    secret = _credentials(credentials)
    # Own short read-only session: the key lookup must not open the request's writing transaction
    # (on SQLite that would take the write lock while a large body is still being uploaded).
    with Session(reading(request.app.state.engine)) as session:
        key = find_active_key(session, secret)
    if key is None:
        raise Unauthorized("the API key is unknown or revoked")
    limit = request.app.state.settings.rate_limit_per_minute
    if limit and not request.scope.get("einvoice.export_page"):  # a CSV export counts once (csv_export)
        ratelimit.enforce(request.app.state.engine, key.id, limit=limit)
    principal = Principal(
        role=Role(key.role), actor=f"key:{key.prefix}", supplier_id=key.supplier_id,
        key_id=key.id, name=key.name, rights=None if key.rights is None else tuple(key.rights), approval_limit=key.approval_limit,
        organisation_id=key.organisation_id,
    )
    request.state.principal = principal
    request.state.key_unconfirmed = False  # just looked up (also on a retried attempt of the request)
    if (recent := _recent_keys(request)) is not None:
        recent.remember(secret, principal)
    return principal


def require(*roles: Role):
    """Dependency factory: the caller must have one of ``roles`` (admin always passes)."""

    # async: it only compares roles, so it runs on the event loop instead of taking a trip
    # through the thread pool (every request pays for each such trip)
    async def guard(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.has_role(*roles):
            allowed = ", ".join(r.value for r in roles) or "admin"
            raise Forbidden(f"role '{principal.role.value}' may not do this; needs: {allowed}")
        return principal

    return guard


AnyPrincipal = Annotated[Principal, Depends(get_principal)]
InvoiceSubmitter = Annotated[Principal, Depends(require(Role.supplier, Role.gateway))]
InvoiceReader = Annotated[
    Principal, Depends(require(Role.supplier, Role.gateway, Role.erp, Role.reviewer))
]
ErpPrincipal = Annotated[Principal, Depends(require(Role.erp))]
Reviewer = Annotated[Principal, Depends(require(Role.reviewer))]
Admin = Annotated[Principal, Depends(require())]
