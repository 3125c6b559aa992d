"""Change feed: /v1/events (owned by the ERP integration area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["events"])
