"""ERP acknowledgements: /v1/invoices/{id}/booked and /paid (owned by the ERP integration area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["erp"])
