"""Refuse the NUL character (U+0000) in the workspace's query values, path parameters and forms.

PostgreSQL text cannot hold U+0000 and answers a query that compares with one, or an INSERT that
stores one, by an error (a 500 page, e.g. ``/ui/search?q=ab%00cd`` or a comment holding one); SQLite
stores it. As the API does at its edge (service.api.nul_guard), every workspace page refuses it
before its handler or any query runs, so both databases answer the same readable 422 page.
"""

from __future__ import annotations

from fastapi import Request

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulRefused(Exception):
    """A query value or name, path parameter or form field held U+0000; rendered as a 422 page."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where  # "address" or "form"


async def refuse_nul(request: Request) -> None:
    if any("\x00" in name or "\x00" in value for name, value in request.query_params.multi_items()) or \
            any("\x00" in str(value) for value in request.path_params.values()):
        raise NulRefused("address")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in FORMS:
        # Starlette keeps the parsed form on the request: the page's own form parameters read it again
        form = await request.form()
        if any("\x00" in name or (isinstance(value, str) and "\x00" in value) for name, value in form.multi_items()):
            raise NulRefused("form")
