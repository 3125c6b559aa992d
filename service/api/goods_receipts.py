"""Goods receipts: /v1/goods-receipts (owned by the master data area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["goods-receipts"])
