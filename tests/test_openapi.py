"""The committed OpenAPI document must equal the app's (regenerate with `make openapi`)."""

import json
from pathlib import Path

from scripts.dump_openapi import TARGET, render


def test_committed_openapi_document_equals_the_apps():
    committed = json.loads(Path(TARGET).read_text(encoding="utf-8"))
    current = json.loads(render())
    assert committed == current, "openapi/openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_has_a_stable_id_a_tag_and_a_summary():
    doc = json.loads(render())
    seen = set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("operationId"), f"{method} {path} has no operationId"
            assert op["operationId"] not in seen, f"duplicate operationId {op['operationId']}"
            seen.add(op["operationId"])
            assert op.get("tags"), f"{method} {path} has no tag"
            assert op.get("summary"), f"{method} {path} has no summary"


def test_every_v1_operation_documents_401():
    doc = json.loads(render())
    for path, ops in doc["paths"].items():
        if path.startswith("/v1"):
            for method, op in ops.items():
                assert "401" in op["responses"], f"{method} {path} does not document 401"
