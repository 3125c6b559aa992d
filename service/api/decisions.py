"""Matching decisions: /v1/invoices/{id}/decision and /replay (owned by the matching area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["decisions"])
