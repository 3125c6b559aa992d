"""Review workspace and dashboard (server-rendered). Owned by the review-workspace area."""

from __future__ import annotations

from fastapi import FastAPI

from service.config import Settings


def mount(app: FastAPI, settings: Settings) -> None:
    """Attach the workspace routes, templates and static files to the app."""
