"""Purchase orders: /v1/purchase-orders (owned by the master data area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["purchase-orders"])
