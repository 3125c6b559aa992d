"""What the browser carries while it is away at the identity provider: a signed, short-lived cookie.

``state`` ties the callback to this browser (a callback whose state differs is refused: a forged or
replayed redirect), ``nonce`` ties the ID token to this sign-in, and the PKCE ``verifier`` proves to
the token endpoint that the code is redeemed by whoever asked for it. The cookie is HttpOnly,
SameSite=Lax (the provider's redirect back is a top-level navigation, which Lax cookies accompany)
and lives ten minutes; it is deleted by the callback whatever the outcome, so a state is used once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.common.security import generate_token
from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

FLOW_COOKIE = "einvoice_oidc_flow"
FLOW_PATH = "/ui/oidc"
FLOW_MAX_AGE = 600


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    verifier: str  # PKCE code_verifier (RFC 7636: 43-128 characters)
    next: str
    lang: str

    @classmethod
    def new(cls, *, next: str, lang: str) -> PendingSignIn:
        return cls(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24), verifier=generate_token(64),
                   next=next, lang=lang)


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="einvoice.oidc-flow")


def remember(request: Request, response: Response, pending: PendingSignIn) -> None:
    value = _serializer(request).dumps({"s": pending.state, "n": pending.nonce, "v": pending.verifier,
                                        "x": pending.next, "l": pending.lang})
    response.set_cookie(FLOW_COOKIE, value, max_age=FLOW_MAX_AGE, httponly=True, samesite="lax",
                        secure=str(request.app.state.settings.public_base_url).startswith("https://"),
                        path=FLOW_PATH)


def recall(request: Request) -> PendingSignIn | None:
    """The sign-in this browser started (None when there is none, it expired or was tampered with)."""
    raw = request.cookies.get(FLOW_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=FLOW_MAX_AGE)
        return PendingSignIn(state=str(data["s"]), nonce=str(data["n"]), verifier=str(data["v"]),
                             next=str(data.get("x", "")), lang=str(data.get("l", "nl")))
    except (BadSignature, KeyError, TypeError):
        return None


def forget(response: Response) -> None:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
