"""Supplier master data: /v1/suppliers (owned by the master data area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["suppliers"])
