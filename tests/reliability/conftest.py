"""Fixtures shared by the reliability tests."""

import pytest

from service.config import Settings
from service.validation_process import ValidationProcess


@pytest.fixture(scope="module")
def child(artifacts_dir, tmp_path_factory):
    """A validation child process (its engine warm), one per test module, with a budget no test
    document reaches unless the test means to."""
    settings = Settings(artifacts_dir=artifacts_dir, validation_cache_dir=tmp_path_factory.mktemp("cache"),
                        environment="test")
    process = ValidationProcess(settings, budget_seconds=600)
    assert process.problems == [], process.problems
    yield process
    process.close()
