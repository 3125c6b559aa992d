"""Refuse the NUL character (U+0000) in the workspace's query values and path parameters.

PostgreSQL text cannot hold U+0000 and answers a query that compares with one by an error (a 500
page, e.g. ``/ui/search?q=ab%00cd``); SQLite stores it. As the API does at its edge
(service.api.nul_guard), every workspace page refuses it before its handler or any query runs, so
both databases answer the same readable 422 page.
"""

from __future__ import annotations

from fastapi import Request


class NulRefused(Exception):
    """A query value, query name or path parameter held U+0000; rendered as a 422 page."""


async def refuse_nul(request: Request) -> None:
    if any("\x00" in name or "\x00" in value for name, value in request.query_params.multi_items()) or \
            any("\x00" in str(value) for value in request.path_params.values()):
        raise NulRefused
