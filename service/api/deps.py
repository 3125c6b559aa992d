"""Authentication and role guards for the /v1 API.

``Authorization: Bearer <key>``; a missing or unknown key is 401, a role that may not call the
endpoint is 403 (both RFC 9457 problem details). ``admin`` may do everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sqlmodel import Session

from service.db import reading
from service.errors import Forbidden, Unauthorized
from service import ratelimit
from service.keys import find_active_key
from service.models.keys import Role

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


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    # Own short read-only session: the key lookup must not open the request's writing transaction
    # (on SQLite that would take the write lock while a large body is still being uploaded).
    with Session(reading(request.app.state.engine)) as session:
        key = find_active_key(session, credentials.credentials)
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
