"""/docs and /redoc work without the internet: the pages reference only this service's assets."""

from __future__ import annotations

import re

import pytest

PAGES = ("/docs", "/redoc")


@pytest.fixture(scope="module")
def bare_client(tmp_path_factory):
    """The app alone: the pages need neither a migrated database nor validation artefacts."""
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    tmp = tmp_path_factory.mktemp("docs")
    settings = Settings(database_url=f"sqlite:///{tmp / 'docs.db'}", environment="test",
                        artifacts_dir=tmp / "no-artifacts", validation_cache_dir=tmp / "cache",
                        webhook_dispatcher_in_serve=False)
    with TestClient(create_app(settings)) as client:
        yield client


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("path", PAGES)
def test_the_page_references_only_local_assets_and_they_are_served(bare_client, path):
    page = bare_client.get(path)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    references = _references(page.text)
    assert len(references) >= 2
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = bare_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 400, url
        kind = asset.headers["content-type"]
        assert ("javascript" in kind) if url.endswith(".js") else True, (url, kind)
        assert ("text/css" in kind) if url.endswith(".css") else True, (url, kind)


def test_the_bundles_are_the_current_major_versions(bare_client):
    # FastAPI documents OpenAPI 3.1, which Swagger UI reads from version 5 on
    swagger = bare_client.get("/docs/assets/vendor/swagger-ui-bundle.js").text
    assert re.search(r'swagger-ui[^"]{0,40}"?\s*,?\s*version\s*:\s*"5\.|"5\.\d+\.\d+"', swagger)
    assert "redoc" in bare_client.get("/docs/assets/vendor/redoc.standalone.js").text[:2000].lower()


def test_fastapis_cdn_pages_are_not_served(bare_client):
    assert "cdn.jsdelivr.net" not in bare_client.get("/docs").text
    assert bare_client.get("/openapi.json").status_code == 200


@pytest.mark.browser
def test_swagger_ui_and_redoc_render_in_chromium_with_the_internet_cut_off(bare_client):
    """Chromium loads the pages through the app itself; every other host is refused and recorded."""
    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS

    origin = "http://einvoice.test"
    outside: list[str] = []
    console_errors: list[str] = []

    def through_the_app(route):
        url = route.request.url
        if not url.startswith(origin + "/"):
            outside.append(url)
            return route.abort()
        answer = bare_client.request(route.request.method, url[len(origin):])
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        return route.fulfill(status=answer.status_code, headers=headers, body=answer.content)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", through_the_app)
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{origin}/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=30000)
            operations = page.locator(".opblock-summary-path").count()
            assert operations > 20
            assert page.locator("text=E-invoice service").count() > 0

            page.goto(f"{origin}/redoc")
            page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=30000)
            assert page.locator("[data-section-id^='operation/']").count() == operations
        finally:
            browser.close()
    assert outside == [], f"the pages tried to reach other hosts: {outside}"
    # ReDoc's sidebar credit is an image on its vendor's CDN; the policy blocks it (so nothing leaves
    # the browser) and ReDoc then hides it. Anything else the policy blocks would be a broken page.
    blocked = [e for e in console_errors if "Content Security Policy" in e and "cdn.redoc.ly/redoc/logo" not in e]
    assert not blocked, blocked
