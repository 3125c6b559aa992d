"""Write the app's OpenAPI document to openapi/openapi.json (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from service.main import create_app

TARGET = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def render() -> str:
    return json.dumps(create_app().openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
