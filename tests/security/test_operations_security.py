"""Operational security: /metrics needs a key or the scrape token; production refuses an http base
URL (its session cookie would travel in the clear) and marks the cookie Secure."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlmodel import Session

from service.config import Settings
from service.main import create_app
from service.ui import accounts

TOKEN = "scrape-token-0123456789abcdef"


class TestMetrics:
    def test_needs_a_key(self, bare_client):
        r = bare_client.get("/metrics")
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        assert "einvoice_" not in r.text

    @pytest.mark.parametrize("role", ["reviewer", "erp", "gateway"])
    def test_other_roles_are_403(self, bare_client, make_key, role):
        r = bare_client.get("/metrics", headers=make_key(role))
        assert r.status_code == 403 and r.json()["type"] == "/problems/forbidden"

    def test_admin_key_reads_it(self, bare_client, make_key):
        r = bare_client.get("/metrics", headers=make_key("admin"))
        assert r.status_code == 200 and "# TYPE einvoice_invoices gauge" in r.text

    def test_the_scrape_token_reads_it(self, settings, engine):
        with TestClient(create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}), engine=engine)) as c:
            assert c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            assert c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
            assert c.get("/metrics").status_code == 401

    def test_a_short_token_is_refused(self):
        with pytest.raises(ValidationError):
            Settings(metrics_token="short")


class TestProduction:
    SAFE: ClassVar[dict[str, str]] = {"environment": "production", "secret_key": "s" * 40}

    def test_http_base_url_refuses_to_start(self):
        with pytest.raises(ValidationError, match="EINVOICE_PUBLIC_BASE_URL must be an https:// URL"):
            Settings(**self.SAFE, public_base_url="http://einvoice.gemeente.example")

    def test_https_session_cookie_is_secure(self, settings, engine):
        prod = settings.model_copy(update={**self.SAFE, "public_base_url": "https://einvoice.gemeente.example"})
        with Session(engine) as s:
            accounts.create_user(s, username="anna", password="correct horse battery staple", display_name="Anna")
            s.commit()
        with TestClient(create_app(prod, engine=engine), base_url="https://testserver") as c:
            page = c.get("/ui/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = c.post("/ui/login", data={"username": "anna", "password": "correct horse battery staple",
                                          "csrf_token": csrf, "next": "/ui/queue"}, follow_redirects=False)
        cookies = [h.lower() for h in r.headers.get_list("set-cookie") if h.startswith("einvoice_session=")]
        assert r.status_code == 303 and cookies, r.headers
        assert "secure" in cookies[0] and "httponly" in cookies[0]
