"""Webhook subscriptions and deliveries: /v1/webhooks (owned by the ERP integration area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["webhooks"])
