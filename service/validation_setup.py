"""Builds the process-wide validation engine for the app and the CLI (the edge of the pure engine).

Owned by the validation area. ``load_validation(settings)`` returns the engine (or None) and a list
of readable problems (missing artefacts, rule sets that do not compile...) that /readyz reports.
"""

from __future__ import annotations

import logging

from service.config import Settings
from service.validation.artefacts import load_manifest
from service.validation.engine import ArtefactsMissing, ValidationEngine, set_default_engine

log = logging.getLogger(__name__)


def build_engine(settings: Settings) -> ValidationEngine:
    """An engine over the installed artefacts; raises ``ArtefactsMissing`` when they are not there."""
    return ValidationEngine(
        settings.artifacts_dir,
        cache_dir=settings.validation_cache_dir,
        accepted_scenarios=settings.accepted_scenarios,
        manifest=load_manifest(settings.schemas_manifest),
    )


def load_validation(settings: Settings) -> tuple[ValidationEngine | None, list[str]]:
    """Build, warm (compile everything once) and install the process-wide engine.

    Returns ``(None, problems)`` when artefacts are missing (run ``einvoice artifacts install``); the
    service then stays unready instead of validating with partial rules.
    """
    try:
        engine = build_engine(settings)
    except ArtefactsMissing as exc:
        hint = "(run `einvoice artifacts install`)"
        problems = [f"{p} {hint}" for p in exc.problems[:5]]
        if len(exc.problems) > 5:
            problems.append(
                f"... {len(exc.problems)} required artefacts missing or corrupt under "
                f"{settings.artifacts_dir} {hint}"
            )
        return None, problems
    problems = engine.warm(diagnostics=True)
    if problems:
        return None, problems
    set_default_engine(engine)
    log.info("validation engine ready: %s", ", ".join(sorted(engine.accepted_scenarios)))
    return engine, []
