"""Review actions: /v1/invoices/{id}/approve, /reject, /hold, /comments (owned by the review workspace area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["review"])
