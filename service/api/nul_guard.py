"""Refuse the NUL character in query and path parameters and JSON bodies (422 naming the field).

PostgreSQL text cannot hold U+0000 and answers a query that compares with one by an error, which
was a 500 (Schemathesis found it on `?scope=`); SQLite stores it. Refusing it at the edge makes both
backends answer the same, before any handler or query runs.
"""

from __future__ import annotations

from fastapi import Request

from service.errors import InvalidInput

_MESSAGE = "must not contain the NUL character (U+0000)"


async def refuse_nul(request: Request) -> None:
    errors = [{"loc": ["query", name], "msg": _MESSAGE, "type": "nul_character"}
              for name, value in request.query_params.multi_items() if "\x00" in name or "\x00" in value]
    errors += [{"loc": ["path", name], "msg": _MESSAGE, "type": "nul_character"}
               for name, value in request.path_params.items() if "\x00" in str(value)]
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        # JSON writes U+0000 only as the escape \u0000 (a raw NUL byte is not valid JSON)
        body = await request.body()
        if b"\\u0000" in body or b"\x00" in body:
            errors.append({"loc": ["body"], "msg": _MESSAGE, "type": "nul_character"})
    if errors:
        raise InvalidInput(f"{len(errors)} invalid field(s)", errors=errors)
