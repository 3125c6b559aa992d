"""The /v1 API: one router per resource, every one behind an API key.

Authentication is enforced per route through the role dependencies in ``deps.py`` (so each
operation documents its own 401/403); this module only assembles the routers.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.deps import get_principal
from service.api.nul_guard import refuse_nul
from service.api.organisation_scope import organisation_guard
from service.errors import Forbidden, Unauthorized, problem_responses
from service.ratelimit import RateLimited
from service.api import (
    approvals,
    bank_accounts,
    bulk,
    decisions,
    erp,
    events,
    goods_receipts,
    handovers,
    invoices,
    keys,
    notifications,
    organisations,
    purchase_orders,
    rendering,
    resolve,
    review,
    suppliers,
    webhooks,
)

# Belt and braces: every /v1 route needs a valid key even if a route forgets its role guard.
api_router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(get_principal), Depends(refuse_nul), Depends(organisation_guard)],
    responses=problem_responses(Unauthorized, Forbidden, RateLimited),
)
for module in (bulk, invoices, decisions, review, erp, events, webhooks, suppliers, purchase_orders,
               goods_receipts, keys, approvals, organisations, rendering, bank_accounts, resolve, handovers,
               notifications):
    api_router.include_router(module.router)
