"""`Accept: text/csv` on every list of the API: the same filters, every page, streamed as one CSV.

A list here is any GET under /v1 whose JSON answer is ``{"data": [...], "next_cursor": ...}``. Rather
than teach each list endpoint a second format, this middleware asks the endpoint itself for its JSON
pages (the largest page size unless ``limit`` names one, following ``next_cursor``) and writes their rows as CSV while the next page
is read. So the CSV has exactly the rows, filters, authorisation and visibility of the JSON list,
and a list added later answers CSV without any work. A request that is not a list, or whose first
page is an error, gets the endpoint's own answer unchanged (a problem stays a problem).

Nested objects become dotted columns (``seller.name``, ``totals.payable_amount``); lists stay JSON in
one cell. Text cells that a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from service.spreadsheet_cells import cell

log = logging.getLogger("einvoice.csv")

CSV_MEDIA_TYPE = "text/csv"
# set (in the ASGI scope, which no client can write) on the export's own page requests after the first
EXPORT_PAGE = "einvoice.export_page"
MAX_ROWS = 2_000_000  # a runaway guard, far above any real list


def wants_csv(accept: str) -> bool:
    """The client prefers text/csv to JSON (JSON absent or with a lower q)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[media.lower()] = max(q, weights.get(media.lower(), 0.0))
    csv_q = weights.get(CSV_MEDIA_TYPE, 0.0)
    return csv_q > 0 and csv_q > weights.get("application/json", 0.0)


# -- rows ------------------------------------------------------------------------------------------
def flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"seller": {"name": "x"}} -> {"seller.name": "x"}; lists and scalars stay as they are."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def columns_of(items: Iterable[dict[str, Any]]) -> list[str]:
    """The columns of the first page, in the order they first appear."""
    seen: dict[str, None] = {}
    for item in items:
        for key in flatten(item):
            seen.setdefault(key, None)
    return list(seen)


def encode_rows(columns: list[str], items: Iterable[dict[str, Any]], *, header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    if header:
        writer.writerow(columns)
    for item in items:
        flat = flatten(item)
        writer.writerow([cell(flat.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


# -- paging through the endpoint ------------------------------------------------------------------------
def _paging(route) -> tuple[str | None, int | None]:
    """(name of the cursor parameter, largest page size) of a list route."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None, None
    names = {p.alias: p for p in dependant.query_params}
    cursor = next((n for n in ("cursor", "after") if n in names), None)
    largest = None
    if "limit" in names:
        for meta in getattr(names["limit"].field_info, "metadata", []):
            largest = getattr(meta, "le", None) or largest
    return cursor, largest


class _Captured:
    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.route = None

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    def header(self, name: bytes) -> str:
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == name), "")

    def page(self) -> dict[str, Any] | None:
        """The JSON list page, or None when the answer is something else."""
        if self.status != 200 or not self.header(b"content-type").startswith("application/json"):
            return None
        try:
            body = json.loads(bytes(self.body))
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("data"), list) and "next_cursor" in body:
            return body
        return None


class CsvListMiddleware:
    """Answers `Accept: text/csv` on the API's lists (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/v1/")
                or not wants_csv(_header(scope, b"accept"))):
            return await self.app(scope, receive, send)
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        first = await self._page(scope, params)
        page = first.page()
        if page is None:  # not a list, or a problem: the endpoint's own answer
            await send({"type": "http.response.start", "status": first.status, "headers": first.headers})
            await send({"type": "http.response.body", "body": bytes(first.body)})
            return
        # the route that answered tells how it pages; later pages are as large as it allows, unless
        # the client named a page size
        cursor_name, largest = _paging(first.route)
        if largest and "limit" not in dict(params):
            params.append(("limit", str(largest)))
        name = scope["path"].rstrip("/").rsplit("/", 1)[-1] or "list"
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{name}.csv"'.encode("latin-1")),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
            (b"vary", b"Accept"),
        ]})
        columns = columns_of(page["data"])
        await send({"type": "http.response.body", "body": encode_rows(columns, page["data"], header=True),
                    "more_body": True})
        rows = len(page["data"])
        previous = dict(params).get(cursor_name or "")
        while cursor_name and page["data"] and page["next_cursor"] and page["next_cursor"] != previous:
            if rows >= MAX_ROWS:
                break
            previous = page["next_cursor"]
            answer = await self._page(scope, [(k, v) for k, v in params if k != cursor_name]
                                      + [(cursor_name, str(previous))], later=True)
            page = answer.page()
            if page is None:
                # The 200 is already sent: break the connection so the client sees an incomplete
                # transfer rather than a short CSV it would take for the whole list.
                log.error("CSV export of %s stopped: page answered %s", scope["path"], answer.status)
                raise RuntimeError(f"CSV export stopped: a later page answered {answer.status}")
            rows += len(page["data"])
            await send({"type": "http.response.body", "body": encode_rows(columns, page["data"], header=False),
                        "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def _page(self, scope, params: list[tuple[str, str]], *, later: bool = False) -> _Captured:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"accept", b"if-none-match")]
        sub = {**scope, "headers": [*headers, (b"accept", b"application/json")],
               "query_string": urlencode(params).encode("latin-1")}
        if later:  # an export is one request: its later pages do not count against the key's rate limit
            sub[EXPORT_PAGE] = True
        captured = _Captured()

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.app(sub, receive, captured.send)
        captured.route = sub.get("route")
        for key in ("route", "path_params"):  # the access log and metrics name the list's route
            if key in sub:
                scope.setdefault(key, sub[key])
        return captured


def _header(scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name), "")


def document(schema: dict[str, Any]) -> None:
    """Add text/csv to the 200 answer of every list operation in the OpenAPI document."""
    for path, operations in schema.get("paths", {}).items():
        get = operations.get("get")
        if not path.startswith("/v1/") or get is None:
            continue
        ok = get.get("responses", {}).get("200", {})
        json_schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if not _is_list_schema(schema, json_schema):
            continue
        ok["content"][CSV_MEDIA_TYPE] = {"schema": {"type": "string"}}
        get["description"] = (get.get("description") or "").rstrip() + (
            "\n\nWith `Accept: text/csv`: every page with the same filters, streamed as one CSV "
            "(nested fields as dotted columns).")


def _is_list_schema(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    ref = node.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        node = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    props = node.get("properties", {})
    return "data" in props and "next_cursor" in props
