"""Background work started with the app (the webhook dispatcher). Owned by the ERP-integration area."""

from __future__ import annotations

from fastapi import FastAPI


def start(app: FastAPI) -> None:
    """Start background workers for this process (called from the app's lifespan)."""


def stop(app: FastAPI) -> None:
    """Stop them (called when the app shuts down)."""
