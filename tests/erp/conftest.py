"""ERP tests drive the webhook dispatcher themselves: the app's own dispatcher thread is off here
(tests/erp/test_webhooks.py::test_the_app_runs_the_dispatcher_unless_switched_off turns it on)."""

import pytest


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"webhook_dispatcher_in_serve": False})
