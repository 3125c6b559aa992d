"""Staff sign in through a real OpenID Connect provider process, in headless Chromium.

The provider is `oidc-provider-mock` (from PyPI) in its own process; the service runs in its own
uvicorn process with local passwords switched off. The provider lets a test set a user's claims
(``PUT /users/<sub>``) and its ID tokens take them over the standard ones, so a wrong audience and
an expired token are tokens the real provider signed. Every refusal must show a page in Dutch and
English and leave no account and no session behind.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlmodel import Session, select

from tests.ui.conftest import app_server, free_port, screenshot, stop, wait_until_answering
from tests.ui.test_workspace_browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

CLIENT_ID = "einvoice-test"
GROUP_ROLES = {"fin-reviewers": "reviewer", "fin-admins": "admin"}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """`python -m oidc_provider_mock` on a free port; yields its issuer URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("oidc-provider") / "provider.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(proc, f"{issuer}/.well-known/openid-configuration", log.name, timeout=60)
        yield issuer
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def sso_db(tmp_path_factory) -> str:
    from service.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('sso-db') / 'sso.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def sso_server(sso_db, provider, tmp_path_factory):
    env = {
        "EINVOICE_OIDC_ISSUER": provider,
        "EINVOICE_OIDC_CLIENT_ID": CLIENT_ID,
        "EINVOICE_OIDC_CLIENT_SECRET": "test-client-secret",
        "EINVOICE_OIDC_PROVIDER_NAME": "Test IdP",
        "EINVOICE_OIDC_GROUP_ROLES": json.dumps(GROUP_ROLES),
        "EINVOICE_LOCAL_PASSWORDS": "false",
    }
    with app_server(sso_db, tmp_path_factory, env) as base:
        yield base


@pytest.fixture
def sso_page(browser):
    """A browser page that can reach only this machine (the provider's page links a CDN stylesheet)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")

    def local_only(route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", local_only)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def set_user(provider: str, sub: str, **claims) -> None:
    r = httpx.put(f"{provider}/users/{sub}", json=claims, timeout=10)
    assert r.status_code == 204, r.text


def staff_users(db_url: str) -> list:
    from service.db import make_engine
    from service.models.workspace import StaffUser

    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return list(s.exec(select(StaffUser).order_by(StaffUser.username)))
    finally:
        engine.dispose()


def go_to_provider(page, server: str, lang: str = "nl") -> None:
    page.goto(f"{server}/ui/queue" if lang == "nl" else f"{server}/ui/login?lang=en")
    assert "/ui/login" in page.url
    assert page.get_by_label("Wachtwoord" if lang == "nl" else "Password").count() == 0  # local passwords off
    page.get_by_role("link", name="Aanmelden via Test IdP" if lang == "nl" else "Sign in with Test IdP").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"))


def authorize_as(page, sub: str) -> None:
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_staff_sign_in_creates_the_user_from_the_token_and_sign_out_ends_both_sessions(
        sso_page, sso_server, provider, sso_db, axe_source):
    page = sso_page
    set_user(provider, "7d1c-anna", preferred_username="Anna.deVries@gemeente.example", name="Anna de Vries",
             email="anna.devries@gemeente.example", groups=["fin-reviewers", "all-staff"])
    assert staff_users(sso_db) == []

    go_to_provider(page, sso_server)
    # The authorization request is the code flow with PKCE (S256), a state and a nonce.
    query = parse_qs(urlsplit(page.url).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == [f"{sso_server}/ui/oidc/callback"]
    authorize_as(page, "7d1c-anna")
    page.wait_for_url(re.compile(r"/ui/queue"))
    assert page.get_by_text("Anna de Vries").is_visible()

    [user] = staff_users(sso_db)
    assert (user.username, user.display_name, user.role.value) == ("anna.devries@gemeente.example", "Anna de Vries",
                                                                   "reviewer")
    assert (user.oidc_issuer, user.oidc_subject, user.password_hash) == (provider, "7d1c-anna", None)
    assert user.email == "anna.devries@gemeente.example"  # from the email claim: notifications reach her
    assert user.last_login_at is not None
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["einvoice_session"]["httpOnly"] and "einvoice_oidc_flow" not in cookies

    # Signing out also ends the session at the provider (RP-initiated logout with the ID token as hint).
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session"))
    end = parse_qs(urlsplit(page.url).query)
    assert end["client_id"] == [CLIENT_ID] and end["id_token_hint"][0].count(".") == 2
    assert end["post_logout_redirect_uri"] == [f"{sso_server}/ui/login?signed_out=1"]
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(r"/ui/login\?signed_out=1"))
    assert page.get_by_role("status").inner_text() == "U bent afgemeld."
    assert_accessible(page, axe_source, "login with single sign-on")
    screenshot(page, "sign-in-oidc")
    assert "einvoice_session" not in {c["name"] for c in page.context.cookies()}
    page.goto(f"{sso_server}/ui/queue")
    assert "/ui/login" in page.url

    # The next sign-in finds the same account; the role follows the groups the provider now reports.
    set_user(provider, "7d1c-anna", preferred_username="someone-else", name="Anna de Vries-Smit",
             email="anna.smit@gemeente.example", groups=["fin-admins"])
    go_to_provider(page, sso_server)
    authorize_as(page, "7d1c-anna")
    page.wait_for_url(re.compile(r"/ui/queue"))
    [user] = staff_users(sso_db)
    assert (user.username, user.display_name, user.role.value) == ("anna.devries@gemeente.example",
                                                                   "Anna de Vries-Smit", "admin")
    assert user.email == "anna.smit@gemeente.example"  # and her address, at every sign-in

    # Passwords are switched off: the form is gone and a posted password is refused outright.
    r = httpx.post(f"{sso_server}/ui/login", data={"username": "anna.devries@gemeente.example", "password": "x" * 12})
    assert r.status_code == 403 and "Aanmelden met een wachtwoord is uitgeschakeld" in r.text


REFUSALS = [
    # (case, claims of the user at the provider, language, code on the page, Dutch text, English text)
    ("wrong-audience", {"aud": "another-application", "groups": ["fin-reviewers"]}, "en", "audience",
     "verkeerde audience", "wrong audience"),
    ("expired-token", {"exp": "EXPIRED", "groups": ["fin-reviewers"]}, "nl", "expired",
     "Het aanmeldtoken is verlopen", "The sign-in token has expired"),
    ("unknown-group", {"groups": ["marketing", "all-staff"]}, "nl", "no_role",
     "geen van uw groepen geeft een rol", "none of your groups gives a role"),
    ("tampered-state", {"groups": ["fin-admins"]}, "en", "state",
     "de controlewaarde (state) klopt niet", "its check value (state) does not match"),
]


@pytest.mark.parametrize("case,claims,lang,code,dutch,english", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_sign_in_shows_why_in_dutch_and_english_and_creates_nothing(
        sso_page, sso_server, provider, sso_db, axe_source, case, claims, lang, code, dutch, english):
    page = sso_page
    sub = f"user-{case}"
    claims = {k: (int(time.time()) - 3600 if v == "EXPIRED" else v) for k, v in claims.items()}
    set_user(provider, sub, preferred_username=f"{case}@gemeente.example", name=case, **claims)
    before = [u.username for u in staff_users(sso_db)]

    if case == "tampered-state":
        # The provider's redirect back to the service is changed on its way: another state, same code.
        # (Playwright routes only the first request of a redirect chain, so the answer is rewritten.)
        def tamper(route):
            if route.request.method != "POST":
                return route.continue_()
            response = route.fetch(max_redirects=0)
            parts = urlsplit(response.headers["location"])
            query = parse_qs(parts.query)
            assert query["code"] and query["state"]
            query["state"] = [query["state"][0][:-4] + ("AAAA" if not query["state"][0].endswith("AAAA") else "BBBB")]
            headers = {**response.headers,
                       "location": urlunsplit(parts._replace(query=urlencode(query, doseq=True)))}
            route.fulfill(response=response, headers=headers)

        page.route(re.compile(r".*/oauth2/authorize.*"), tamper)

    go_to_provider(page, sso_server, lang)
    authorize_as(page, sub)
    page.wait_for_url(re.compile(r"/ui/oidc/callback"))
    alert = page.get_by_role("alert")
    assert (dutch if lang == "nl" else english) in alert.inner_text()
    assert "Nothing was recorded and no account was created." in page.content() or lang == "nl"
    assert "Er is niets vastgelegd en er is geen account aangemaakt." in page.content() or lang == "en"
    assert (english if lang == "nl" else dutch) in page.content()  # the other language below it
    assert page.locator(f"[data-refusal={code}]").count() == 1
    if case == "wrong-audience":
        assert_accessible(page, axe_source, "sign-in refused")
        screenshot(page, "sign-in-refused")

    assert [u.username for u in staff_users(sso_db)] == before
    assert not any(u.oidc_subject == sub for u in staff_users(sso_db))
    cookies = {c["name"] for c in page.context.cookies()}
    assert "einvoice_session" not in cookies and "einvoice_oidc_flow" not in cookies
    page.goto(f"{sso_server}/ui/queue")
    assert "/ui/login" in page.url


def sign_out(page) -> None:
    page.locator("#logout").click()
    page.wait_for_url(re.compile(r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(r"/ui/login\?signed_out=1"))


def test_user_administration_says_a_single_sign_on_address_comes_from_the_token(
        sso_page, sso_server, provider, sso_db, axe_source):
    page = sso_page
    set_user(provider, "4b8e-bram", preferred_username="bram", name="Bram Beheer", email="bram@gemeente.example",
             groups=["fin-admins"])
    go_to_provider(page, sso_server)
    authorize_as(page, "4b8e-bram")
    page.wait_for_url(re.compile(r"/ui/queue"))
    page.goto(f"{sso_server}/ui/admin/users")
    row = page.locator("#user-bram")
    assert "bram@gemeente.example" in row.inner_text() and "uit Test IdP" in row.inner_text()
    page.locator("#edit-bram summary").click()
    field = page.locator("#edit-bram input[name=email]")
    note = page.locator("#" + field.get_attribute("aria-describedby"))  # read out with the field
    assert note.is_visible()
    assert ("Bij elke aanmelding via Test IdP vervangen door het adres uit het token (claim email); "
            "een wijziging hier geldt tot de volgende aanmelding.") in note.inner_text()
    assert "Herkomst: het token van Test IdP, bij de aanmelding van " in note.inner_text()
    assert_accessible(page, axe_source, "user administration with a single-sign-on user")

    # an admin's change is said to be one, until the next sign-in takes the token's address again
    field.fill("b.beheer@gemeente.example")
    page.locator("#edit-bram button[type=submit]").click()
    page.wait_for_url(re.compile(r"msg=saved"))
    assert "door een beheerder" in page.locator("#user-bram").inner_text()
    page.locator("#edit-bram summary").click()
    note = page.locator("#" + page.locator("#edit-bram input[name=email]").get_attribute("aria-describedby"))
    assert "Herkomst: ingevuld in het gebruikersbeheer." in note.inner_text()
    assert "Bij elke aanmelding via Test IdP vervangen" in note.inner_text()
    sign_out(page)
    go_to_provider(page, sso_server)
    authorize_as(page, "4b8e-bram")
    page.wait_for_url(re.compile(r"/ui/queue"))
    page.goto(f"{sso_server}/ui/admin/users")
    row = page.locator("#user-bram").inner_text()
    assert "bram@gemeente.example" in row and "b.beheer" not in row and "uit Test IdP" in row
    [bram] = [u for u in staff_users(sso_db) if u.username == "bram"]
    assert (bram.email, bram.email_source) == ("bram@gemeente.example", "sign_in")
