"""Builds the process-wide validation engine for the app and the CLI (the edge of the pure engine).

Owned by the validation area. ``load_validation(settings)`` returns the engine (or None) and a list
of readable problems (missing artefacts...) that /readyz reports.
"""

from __future__ import annotations

from typing import Any

from service.config import Settings


def load_validation(settings: Settings) -> tuple[Any | None, list[str]]:
    return None, ["validation engine not available yet"]
