"""Interactive API documentation (/docs Swagger UI, /redoc ReDoc) served without the internet.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, which a buyer's network often blocks.
Here the pages reference only this service: the Swagger UI and ReDoc bundles come from the
``fastapi-offline`` package (PyPI; installed with the service, nothing fetched at run time), and
the pages carry no inline script, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR_ASSETS = Path(str(files("fastapi_offline") / "static"))
OWN_ASSETS = Path(__file__).resolve().parent / "docs_assets"
ASSETS_URL = "/docs/assets"

# Swagger UI and ReDoc style elements at run time (style attributes, styled-components); ReDoc's
# search runs in a worker it builds from a blob.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def mount(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets (create the app with docs_url=None, redoc_url=None)."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = escape(app.title)
    app.mount(f"{ASSETS_URL}/vendor", StaticFiles(directory=VENDOR_ASSETS), name="docs-vendor-assets")

    @app.get(f"{ASSETS_URL}/swagger-init.js", include_in_schema=False)
    def swagger_init() -> FileResponse:
        return FileResponse(OWN_ASSETS / "swagger-init.js", media_type="text/javascript", headers=HEADERS)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_page(
            f"{title} - Swagger UI",
            head=f'<link rel="stylesheet" href="{ASSETS_URL}/vendor/swagger-ui.css">',
            body=(f'<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>\n'
                  f'<script src="{ASSETS_URL}/vendor/swagger-ui-bundle.js"></script>\n'
                  f'<script src="{ASSETS_URL}/swagger-init.js"></script>'),
        ), headers=HEADERS)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(_page(
            f"{title} - ReDoc",
            head="",
            body=(f'<redoc spec-url="{escape(openapi_url)}"></redoc>\n'
                  f'<script src="{ASSETS_URL}/vendor/redoc.standalone.js"></script>'),
        ), headers=HEADERS)


def _page(title: str, *, head: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{ASSETS_URL}/vendor/favicon.png">
{head}
</head>
<body>
{body}
</body>
</html>
"""
