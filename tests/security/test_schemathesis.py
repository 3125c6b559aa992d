"""Property-based runs of the committed OpenAPI document against the app (Schemathesis), with a key
of every role: no answer is a 5xx, and every answer matches the document (status code, content
type, headers, body schema). Bounded: a few examples per operation and role."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from service.models.masterdata import Supplier

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
EXAMPLES = int(os.environ.get("EINVOICE_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
ROLES = ("supplier", "gateway", "erp", "reviewer", "admin")


@pytest.fixture
def keys(make_key, engine) -> dict[str, dict[str, str]]:
    with Session(engine) as s:
        supplier = Supplier(name="Leverancier B.V.", electronic_address_scheme="0106", electronic_address_value="12345678")
        s.add(supplier)
        s.commit()
        supplier_id = supplier.id
    return {role: make_key(role, supplier_id if role == "supplier" else None) for role in ROLES}


def property_test(operation, headers: dict[str, str]):
    """A Hypothesis test of one operation with one key: a few generated requests, every check."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


@pytest.mark.on_backend("preferred")  # runs once (a few minutes): PostgreSQL when configured
def test_the_document_holds_for_every_role(app, keys, engine):
    schema = schemathesis.openapi.from_path(str(DOCUMENT))
    schema.app = app
    failures: Counter = Counter()
    examples: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in keys.items():
            run = property_test(operation, headers)
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - every operation and role runs; reported together
                label = f"{operation.label} as {role}"
                failures[label] += 1
                if len(examples) < 60:
                    examples.append(label + "\n    " + str(exc)[:1500].replace("\n", "\n    "))
    assert not failures, f"{sum(failures.values())} failing cases:\n" + "\n".join(examples)
