"""One OpenID Connect provider: discovery, authorization URL (PKCE), code exchange, ID token checks.

authlib's OAuth 2.0 parameter functions build the authorization request (PKCE S256) and the token
request; the request itself goes out through httpx (client secret as HTTP Basic, RFC 6749 2.3.1, or
a public client that names itself in the body); joserfc verifies the ID token's signature against the provider's published keys.
The checks of OpenID Connect Core 3.1.3.7 are made here: issuer, audience (and ``azp``), expiry
with a minute of clock leeway, issued-at, nonce, and an asymmetric signing algorithm the provider
announced (never ``none`` or a shared-secret HMAC).

The discovery document and the keys are cached per process for an hour; an ID token signed with a
key id we do not know makes us fetch the keys again once (the provider rotated its keys). Calls
are blocking (httpx) and happen in sync route handlers, i.e. in the server's thread pool.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from service.config import Settings
from service.ui.sso.claims import SignInRefused

CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
HTTP_TIMEOUT = httpx.Timeout(10.0)
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]


class OidcProvider:
    """The configured issuer. One instance per app (``app.state.oidc``); thread-safe."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id
        self.issuer = settings.oidc_issuer  # compared exactly with the tokens' "iss" (Core 3.1.3.7)
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self.client_secret = secret.get_secret_value() if secret is not None else None
        self.scopes = settings.oidc_scopes
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # --- discovery and keys ----------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < CACHE_SECONDS:
                return self._metadata[1]
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = self._get_json(url)
        # Discovery 4.3: the document must be the issuer's own, or tokens could be minted elsewhere.
        if doc.get("issuer") != self.issuer:
            raise SignInRefused("provider_unreachable",
                                f"the discovery document names issuer {doc.get('issuer')!r}, not {self.issuer!r}")
        try:
            meta = ProviderMetadata(
                issuer=doc["issuer"],
                authorization_endpoint=doc["authorization_endpoint"],
                token_endpoint=doc["token_endpoint"],
                jwks_uri=doc["jwks_uri"],
                userinfo_endpoint=doc.get("userinfo_endpoint"),
                end_session_endpoint=doc.get("end_session_endpoint"),
                algorithms=tuple(a for a in doc.get("id_token_signing_alg_values_supported", ["RS256"])
                                 if a in ASYMMETRIC_ALGORITHMS),
            )
        except KeyError as exc:
            raise SignInRefused("provider_unreachable", f"the discovery document lacks {exc.args[0]}") from None
        with self._lock:
            self._metadata = (time.monotonic(), meta)
        return meta

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            if not refresh and self._keys and time.monotonic() - self._keys[0] < CACHE_SECONDS:
                return self._keys[1]
        try:
            keys = KeySet.import_key_set(self._get_json(self.metadata().jwks_uri))
        except (JoseError, ValueError, TypeError) as exc:
            raise SignInRefused("provider_unreachable", f"unusable signing keys: {exc}") from None
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("provider_unreachable", f"{url}: {exc}") from None
        if not isinstance(body, dict):
            raise SignInRefused("provider_unreachable", f"{url}: not a JSON object")
        return body

    # --- the authorization code flow -------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str,
                          ui_locales: str | None = None) -> str:
        extra = {"ui_locales": ui_locales} if ui_locales else {}
        return prepare_grant_uri(self.metadata().authorization_endpoint, self.client_id, "code",
                                 redirect_uri=redirect_uri, scope=self.scopes, state=state, nonce=nonce,
                                 code_challenge=create_s256_code_challenge(code_verifier),
                                 code_challenge_method="S256", **extra)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The token response (``id_token``, ``access_token``...) for an authorization code."""
        endpoint = self.metadata().token_endpoint
        auth: tuple[str, str] | None = None
        if self.client_secret is not None:
            # RFC 6749 2.3.1: both parts form-urlencoded before they go into the Basic credentials.
            auth = (quote(self.client_id, safe=""), quote(self.client_secret, safe=""))
            body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri,
                                         code_verifier=code_verifier)
        else:
            body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri,
                                         code_verifier=code_verifier, client_id=self.client_id)
        try:
            response = httpx.post(endpoint, content=body, auth=auth, timeout=HTTP_TIMEOUT, follow_redirects=False,
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "Accept": "application/json"})
            token = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("token_exchange", f"{endpoint}: {exc}"[:300]) from None
        if response.status_code != 200 or not isinstance(token, dict):
            error = token.get("error_description") or token.get("error") if isinstance(token, dict) else None
            raise SignInRefused("token_exchange", f"HTTP {response.status_code}: {error or response.text[:200]}")
        if not isinstance(token.get("id_token"), str):
            raise SignInRefused("token_exchange", "the token response holds no id_token")
        return token

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims once signature, issuer, audience, times and nonce are right."""
        meta = self.metadata()
        algorithms = list(meta.algorithms) or ["RS256"]
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except JoseError:
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
        except (JoseError, ValueError) as exc:
            raise SignInRefused("token_invalid", f"signature: {exc}") from None
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise SignInRefused("expired", f"exp {claims.get('exp')}") from None
        except (InvalidClaimError, MissingClaimError) as exc:
            if exc.claim == "aud":
                raise SignInRefused("audience", f"aud {claims.get('aud')!r}") from None
            raise SignInRefused("token_invalid", exc.description or exc.claim) from None
        # Core 3.1.3.7 (5): a token for several audiences must have been issued to us.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if ("azp" in claims or len(audiences) > 1) and claims.get("azp") != self.client_id:
            raise SignInRefused("audience", f"azp {claims.get('azp')!r}")
        if claims.get("nonce") != nonce:
            raise SignInRefused("token_invalid", "nonce does not match this sign-in")
        return claims

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """Claims from the userinfo endpoint (some providers put groups only there); {} without one."""
        endpoint = self.metadata().userinfo_endpoint
        if not endpoint or not access_token:
            return {}
        try:
            response = httpx.get(endpoint, headers={"Authorization": f"Bearer {access_token}"},
                                 timeout=HTTP_TIMEOUT, follow_redirects=False)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError):
            return {}  # the ID token is enough to sign in; userinfo only adds claims
        return body if isinstance(body, dict) else {}

    def end_session_url(self, *, post_logout_redirect_uri: str, id_token_hint: str | None) -> str | None:
        """Where to send the browser to end the session at the provider too (RP-initiated logout)."""
        try:
            endpoint = self.metadata().end_session_endpoint
        except SignInRefused:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
