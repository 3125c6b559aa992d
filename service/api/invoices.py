"""Invoice intake and reading: POST/GET /v1/invoices... (owned by the intake area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["invoices"])
