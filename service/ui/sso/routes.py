"""Sign-in through the identity provider: /ui/oidc/start sends the browser there, /ui/oidc/callback
brings it back signed in, or shows a page that says why not (nothing is created then)."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.db import SessionDep
from service.errors import NotFound
from service.models.workspace import Language
from service.ui.i18n import Translator
from service.ui.session import start_session
from service.ui.sso import flow
from service.ui.sso.claims import SignInRefused, identity_from, organisations_from_groups
from service.ui.sso.provider import OidcProvider
from service.ui.sso.provisioning import provision, sync_organisations

log = logging.getLogger("einvoice.sso")

router = APIRouter(prefix="/ui/oidc", include_in_schema=False)

# HTTP status of each refusal: the browser's or the token's fault 400, no access 403, provider 502.
REFUSAL_STATUS = {"state": 400, "provider_error": 403, "token_invalid": 400, "audience": 400, "expired": 400,
                  "no_role": 403, "no_organisation": 403, "account_conflict": 403, "account_inactive": 403,
                  "provider_unreachable": 502, "token_exchange": 502}


def provider_of(request: Request) -> OidcProvider:
    provider = getattr(request.app.state, "oidc", None)
    if provider is None:
        raise NotFound("single sign-on is not configured")
    return provider


def callback_url(request: Request) -> str:
    return str(request.app.state.settings.public_base_url).rstrip("/") + "/ui/oidc/callback"


@router.get("/start")
def start(request: Request, next: str = "", lang: str = "nl") -> Response:
    from service.ui.routes import safe_next

    provider = provider_of(request)
    lang = lang if lang in ("nl", "en") else "nl"
    pending = flow.PendingSignIn.new(next=safe_next(next), lang=lang)
    try:
        url = provider.authorization_url(redirect_uri=callback_url(request), state=pending.state,
                                         nonce=pending.nonce, code_verifier=pending.verifier, ui_locales=lang)
    except SignInRefused as refused:
        return refusal_page(request, refused, lang)
    response = RedirectResponse(url, status_code=303)
    flow.remember(request, response, pending)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/callback")
def callback(request: Request, session: SessionDep, state: str = "", code: str = "", error: str = "",
             error_description: str = "") -> Response:
    from service.ui.routes import safe_next

    provider = provider_of(request)
    pending = flow.recall(request)
    lang = pending.lang if pending else "nl"
    try:
        # A callback this browser did not start, or whose state was changed, is refused before the
        # code is even looked at: that is what keeps a forged redirect from signing anyone in.
        if pending is None or not state or not hmac.compare_digest(pending.state, state[:200]):
            raise SignInRefused("state", "the state does not match the sign-in this browser started")
        if error:
            raise SignInRefused("provider_error", f"{error[:100]}: {error_description[:300]}".rstrip(": "))
        if not code:
            raise SignInRefused("token_exchange", "the provider sent no authorization code")
        token = provider.exchange_code(code=code[:2000], redirect_uri=callback_url(request),
                                       code_verifier=pending.verifier)
        claims = provider.verify_id_token(token["id_token"], nonce=pending.nonce)
        settings = request.app.state.settings
        if settings.oidc_groups_claim not in claims:
            extra = provider.userinfo(str(token.get("access_token") or ""))
            if extra.get("sub") == claims["sub"]:  # Core 5.3.2: userinfo of another subject is ignored
                claims = {**extra, **claims}
        identity = identity_from(claims, issuer=provider.issuer, username_claim=settings.oidc_username_claim,
                                 groups_claim=settings.oidc_groups_claim, group_roles=settings.oidc_group_roles,
                                 email_claim=settings.oidc_email_claim)
        user = provision(session, identity, language=Language(lang))
        sync_organisations(session, user.id, organisations_from_groups(identity.groups,
                                                                      settings.oidc_group_organisations))
    except SignInRefused as refused:
        session.rollback()
        log.warning("sign-in through the identity provider refused: %s", refused)
        response = refusal_page(request, refused, lang)
        flow.forget(response)
        return response
    log.info("staff user %s signed in through the identity provider as %s", user.username, user.role.value)
    response = RedirectResponse(safe_next(pending.next), status_code=303)
    start_session(request, response, user, id_token=token["id_token"])
    flow.forget(response)
    return response


def refusal_page(request: Request, refused: SignInRefused, lang: str) -> Response:
    from service.ui.routes import render

    t = Translator(lang)
    provider = getattr(request.app.state, "oidc", None)
    name = request.app.state.settings.oidc_provider_name if provider else ""
    return render(request, "sign_in_refused.html", t, status_code=REFUSAL_STATUS.get(refused.code, 400),
                  code=refused.code, message=t(f"sso_{refused.code}", detail=refused.detail, provider=name),
                  detail=refused.detail)
