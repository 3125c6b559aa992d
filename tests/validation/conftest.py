"""Validation fixtures: one engine per test session over artefacts installed from the mirror.

The root conftest installs the artefacts from ``EINVOICE_ARTIFACTS_MIRROR`` (default
``../shared/artifacts``) into a temporary directory with the real installer (SHA-256 verified) and
builds the engine with ``load_validation``; these tests reuse both. Example documents are read from
the mirror; helpers live in ``validation_samples.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation import ValidationEngine


@pytest.fixture(scope="session")
def engine(validation) -> ValidationEngine:
    built, problems = validation
    assert problems == [], problems
    assert built is not None
    return built


@pytest.fixture(scope="session")
def mirror(artifacts_mirror: Path) -> Path:
    return artifacts_mirror

