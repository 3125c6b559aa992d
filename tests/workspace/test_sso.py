"""Sign-in through the identity provider, below the browser: claims mapping, ID token checks, settings.

The browser test (tests/ui/test_sign_in_oidc_browser.py) runs the whole flow against a real provider
process; here the ID token checks are driven with tokens signed by a key of the test's own, the
provider's discovery document and keys served through respx (outbound HTTP only).
"""

from __future__ import annotations

import time

import httpx
import pytest
import respx
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from pydantic import ValidationError

from service.config import Settings
from service.models.workspace import Language, StaffRole
from service.ui.sso.claims import SignInRefused, groups_of, identity_from, role_from_groups, username_from
from service.ui.sso.provider import OidcProvider

ISSUER = "https://idp.example.test/realms/gemeente"
CLIENT = "einvoice"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def test_groups_come_as_a_list_or_a_separated_string():
    assert groups_of({"groups": ["a", "b", "a"]}, "groups") == ("a", "b")
    assert groups_of({"roles": "admin reviewer,x"}, "roles") == ("admin", "reviewer", "x")
    assert groups_of({}, "groups") == ()


def test_the_highest_role_of_the_mapped_groups_wins_and_unmapped_groups_give_none():
    mapping = {"fin-reviewers": "reviewer", "fin-admins": "admin"}
    assert role_from_groups(["x", "fin-reviewers", "fin-admins"], mapping) is StaffRole.admin
    assert role_from_groups(["fin-reviewers"], mapping) is StaffRole.reviewer
    assert role_from_groups(["marketing", "reviewer"], mapping) is None  # with a mapping, names alone do not count
    assert role_from_groups(["reviewer"], {}) is StaffRole.reviewer  # without one, a group named like a role


def test_username_falls_back_from_the_claim_to_email_to_the_subject():
    assert username_from({"preferred_username": "Anna@Gemeente.nl"}, "preferred_username", ISSUER) == "anna@gemeente.nl"
    assert username_from({"preferred_username": "Anna de Vries", "email": "a@b.nl"}, "preferred_username", ISSUER) == "a@b.nl"
    derived = username_from({"sub": "x"}, "preferred_username", ISSUER)
    assert derived.startswith("oidc-") and derived == username_from({"sub": "x"}, "upn", ISSUER)


def test_an_identity_without_a_role_is_refused():
    claims = {"sub": "s1", "name": "Piet", "groups": ["marketing"], "locale": "en-GB"}
    with pytest.raises(SignInRefused) as refused:
        identity_from(claims, issuer=ISSUER, username_claim="preferred_username", groups_claim="groups",
                      group_roles={"fin": "reviewer"})
    assert refused.value.code == "no_role" and refused.value.detail == "marketing"
    identity = identity_from({**claims, "groups": ["fin"]}, issuer=ISSUER, username_claim="preferred_username",
                             groups_claim="groups", group_roles={"fin": "reviewer"})
    assert (identity.role, identity.language, identity.display_name) == (StaffRole.reviewer, Language.en, "Piet")


# --- ID token checks ------------------------------------------------------------------------------


@pytest.fixture
def provider():
    settings = Settings(environment="test", oidc_issuer=ISSUER, oidc_client_id=CLIENT, oidc_client_secret="s")
    with respx.mock(assert_all_called=False) as mock:
        mock.get(f"{ISSUER}/.well-known/openid-configuration").mock(return_value=httpx.Response(200, json={
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth", "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/certs", "end_session_endpoint": f"{ISSUER}/logout",
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"]}))
        mock.get(f"{ISSUER}/certs").mock(return_value=httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]}))
        yield OidcProvider(settings)


def token(key=KEY, alg="RS256", **overrides) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "s1", "aud": CLIENT, "iat": now, "exp": now + 300, "nonce": "n1", **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "k1"}, claims, key)


def refusal(provider, id_token: str, nonce: str = "n1") -> str:
    with pytest.raises(SignInRefused) as refused:
        provider.verify_id_token(id_token, nonce=nonce)
    return refused.value.code


def test_a_correct_id_token_gives_its_claims(provider):
    assert provider.verify_id_token(token(), nonce="n1")["sub"] == "s1"
    assert provider.verify_id_token(token(aud=[CLIENT, "other"], azp=CLIENT), nonce="n1")["sub"] == "s1"


def test_id_tokens_that_must_not_sign_anyone_in(provider):
    assert refusal(provider, token(aud="other-app")) == "audience"
    assert refusal(provider, token(aud=[CLIENT, "other"])) == "audience"  # several audiences, no azp
    assert refusal(provider, token(azp="other-app")) == "audience"
    assert refusal(provider, token(exp=int(time.time()) - 120)) == "expired"
    assert refusal(provider, token(iss="https://evil.example.test")) == "token_invalid"
    assert refusal(provider, token(), nonce="another-sign-in") == "token_invalid"
    assert refusal(provider, token(nonce=None)) == "token_invalid"
    assert refusal(provider, token(sub=None)) == "token_invalid"
    assert refusal(provider, token(key=RSAKey.generate_key(2048, parameters={"kid": "k1"}))) == "token_invalid"
    # A shared-secret token, even if the provider lists HS256, could be forged with the public key material.
    assert refusal(provider, token(key=OctKey.generate_key(256), alg="HS256")) == "token_invalid"


def test_the_discovery_document_must_be_the_issuers_own():
    settings = Settings(environment="test", oidc_issuer=ISSUER, oidc_client_id=CLIENT)
    with respx.mock() as mock:
        mock.get(f"{ISSUER}/.well-known/openid-configuration").mock(return_value=httpx.Response(200, json={
            "issuer": "https://elsewhere.test", "authorization_endpoint": "a", "token_endpoint": "t", "jwks_uri": "j"}))
        with pytest.raises(SignInRefused) as refused:
            OidcProvider(settings).metadata()
    assert refused.value.code == "provider_unreachable"


def test_end_session_url_names_the_client_the_return_address_and_the_hint(provider):
    url = provider.end_session_url(post_logout_redirect_uri="https://svc.test/ui/login?signed_out=1", id_token_hint="a.b.c")
    assert url.startswith(f"{ISSUER}/logout?client_id=einvoice&post_logout_redirect_uri=https%3A%2F%2Fsvc.test")
    assert url.endswith("&id_token_hint=a.b.c")


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("values,message", [
    ({"oidc_issuer": ISSUER}, "go together"),
    ({"local_passwords": False}, "nobody could sign in"),
    ({"oidc_issuer": ISSUER, "oidc_client_id": CLIENT, "oidc_scopes": "profile"}, "must include openid"),
    ({"oidc_issuer": ISSUER, "oidc_client_id": CLIENT, "oidc_group_roles": {"g": "superuser"}}, "unknown role"),
    ({"environment": "production", "secret_key": "x" * 40, "oidc_issuer": "http://idp.test", "oidc_client_id": CLIENT},
     "must be an https:// URL"),
])
def test_sign_in_settings_that_cannot_work_are_refused(values, message):
    with pytest.raises(ValidationError, match=message):
        Settings(**values)


def test_without_an_issuer_the_sign_in_routes_do_not_exist(bare_client):
    assert bare_client.get("/ui/oidc/start", follow_redirects=False).status_code == 404
    assert "Aanmelden via" not in bare_client.get("/ui/login").text


def test_the_code_is_redeemed_with_the_pkce_verifier_of_the_challenge_and_the_client_secret(provider):
    import base64
    import hashlib
    from urllib.parse import parse_qs, urlsplit

    url = provider.authorization_url(redirect_uri="https://svc.test/cb", state="st", nonce="n1", code_verifier="v" * 64)
    challenge = parse_qs(urlsplit(url).query)["code_challenge"][0]
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(b"v" * 64).digest()).rstrip(b"=").decode()
    with respx.mock() as mock:
        route = mock.post(f"{ISSUER}/token").mock(return_value=httpx.Response(200, json={"id_token": "a.b.c"}))
        assert provider.exchange_code(code="c1", redirect_uri="https://svc.test/cb", code_verifier="v" * 64)
        sent = route.calls.last.request
        form = parse_qs(sent.content.decode())
        assert form["code_verifier"] == ["v" * 64] and form["code"] == ["c1"] and form["grant_type"] == ["authorization_code"]
        assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"einvoice:s").decode()
        mock.post(f"{ISSUER}/token").mock(return_value=httpx.Response(400, json={"error": "invalid_grant"}))
        with pytest.raises(SignInRefused, match="invalid_grant"):
            provider.exchange_code(code="c1", redirect_uri="https://svc.test/cb", code_verifier="v" * 64)


# --- the e-mail address for notifications ---------------------------------------------------------


def test_the_email_address_comes_from_the_configured_claim():
    from service.ui.sso.claims import email_from

    base = {"sub": "s1", "groups": ["reviewer"]}
    assert email_from({**base, "email": " anna@gemeente.example "}, "email") == "anna@gemeente.example"
    assert email_from({**base, "mail": "anna@gemeente.example", "email": "x@y.example"}, "mail") == "anna@gemeente.example"
    assert email_from({**base, "email": "anna@gemeente.example", "email_verified": False}, "email") is None
    assert email_from({**base, "email": "anna@gemeente.example", "email_verified": True}, "email") == "anna@gemeente.example"
    for bad in ("anna", "Anna <anna@gemeente.example>", "a@b.example, c@d.example", ["anna@gemeente.example"], None):
        assert email_from({**base, "email": bad}, "email") is None, bad
    assert email_from({**base, "email": "anna@gemeente.example"}, "") is None  # switched off
    identity = identity_from({**base, "upn": "anna@gemeente.example"}, issuer=ISSUER, username_claim="preferred_username",
                             groups_claim="groups", group_roles={}, email_claim="upn")
    assert identity.email == "anna@gemeente.example"


def test_each_sign_in_brings_the_address_up_to_date(engine):
    from sqlmodel import Session

    from service.ui.sso.provisioning import provision

    def sign_in(**claims):
        identity = identity_from({"sub": "s-anna", "preferred_username": "anna", "groups": ["reviewer"], **claims},
                                 issuer=ISSUER, username_claim="preferred_username", groups_claim="groups",
                                 group_roles={})
        with Session(engine) as s:
            user = provision(s, identity, language=Language.nl)
            s.commit()
            return user.email

    assert sign_in(email="anna@gemeente.example") == "anna@gemeente.example"  # the account made just in time
    assert sign_in(email="anna.smit@gemeente.example") == "anna.smit@gemeente.example"
    assert sign_in() == "anna.smit@gemeente.example"  # a token without one keeps the address known
    assert sign_in(email="anna@gemeente.example", email_verified=False) == "anna.smit@gemeente.example"


def test_on_an_instance_with_one_organisation_a_sign_in_makes_the_user_its_member(engine):
    from sqlmodel import Session

    from service.organisations.staff import memberships
    from service.organisations.store import only_organisation
    from service.ui.sso.provisioning import provision, sync_organisations

    identity = identity_from({"sub": "s-olga", "preferred_username": "olga", "groups": ["reviewer"]}, issuer=ISSUER,
                             username_claim="preferred_username", groups_claim="groups", group_roles={})
    with Session(engine) as s:
        only = only_organisation(s)
        assert only is not None
        for _ in range(2):  # the first sign-in and a later one: one membership
            user = provision(s, identity, language=Language.nl)
            sync_organisations(s, user.id, ())
        s.commit()
        assert memberships(s, user.id) == [only]
