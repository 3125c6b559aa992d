"""Review workspace and dashboard (server-rendered). Owned by the review-workspace area.

Jinja2 templates and static files ship inside the package (no CDN, nothing fetched at run time).
Pages live under ``/ui``; errors on those pages are rendered as HTML, the /v1 API keeps its
problem+json responses.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.config import Settings
from service.errors import ServiceError

HERE = Path(__file__).resolve().parent

# Applied to every workspace page: no inline scripts, no third-party anything.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def mount(app: FastAPI, settings: Settings) -> None:
    """Attach the workspace routes, templates and static files to the app."""
    from service.ui.approvals_report_routes import router as approvals_report_router
    from service.ui.bank_account_routes import router as bank_account_router
    from service.ui.find_routes import router as find_router
    from service.ui.handover_routes import router as handover_router
    from service.ui.nul_guard import NulRefused, refuse_nul
    from service.ui.user_admin_routes import router as user_admin_router
    from service.ui.rendering_routes import router as rendering_router
    from service.ui.resolve_routes import router as resolve_router
    from service.ui.saved_views import router as saved_views_router
    from service.ui.routes import router
    from service.ui.session import CsrfFailed, FormRefused, LoginRequired
    from service.ui.sso.provider import OidcProvider
    from service.ui.sso.routes import router as sso_router

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["static_version"] = _static_version()
    app.state.ui_templates = templates
    app.mount("/ui/static", StaticFiles(directory=str(HERE / "static")), name="ui-static")
    # every page refuses U+0000 in its query, path and form values (PostgreSQL text cannot hold it)
    for page_router in (router, find_router, rendering_router, resolve_router, saved_views_router,
                        bank_account_router, handover_router, user_admin_router, approvals_report_router,
                        sso_router):
        app.include_router(page_router, dependencies=[Depends(refuse_nul)])
    app.state.oidc = OidcProvider(settings) if settings.oidc_enabled else None
    csp = content_security_policy(settings)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/queue", status_code=303)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        from urllib.parse import urlencode

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        nxt = {"next": target} if request.method == "GET" else _back_to_form(request)
        return RedirectResponse(f"/ui/login?{urlencode(nxt)}" if nxt else "/ui/login", status_code=303)

    @app.exception_handler(NulRefused)
    async def _nul_refused(request: Request, exc: NulRefused):
        return _html_error(request, 422, "nul_character" if exc.where == "address" else "nul_character_form")

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed):
        return _html_error(request, 403, "csrf_failed")

    @app.exception_handler(FormRefused)
    async def _form_refused(request: Request, exc: FormRefused):
        return RedirectResponse(f"{exc.back}{'&' if '?' in exc.back else '?'}error=csrf", status_code=303)

    api_service_error = app.exception_handlers.get(ServiceError)
    api_http_error = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError):
        if request.url.path.startswith("/ui/") and api_service_error is not None:
            return _html_error(request, exc.status, "not_found" if exc.status == 404 else "error")
        assert api_service_error is not None  # install_problem_handlers ran first (create_app)
        return await api_service_error(request, exc)  # type: ignore[misc]  # our handlers are async

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/ui/") and not request.url.path.startswith("/ui/static/"):
            return _html_error(request, exc.status_code, "not_found" if exc.status_code == 404 else "error")
        assert api_http_error is not None  # install_problem_handlers ran first (create_app)
        return await api_http_error(request, exc)  # type: ignore[misc]  # our handlers are async

    app.add_middleware(SecurityHeadersMiddleware, csp=csp)


class SecurityHeadersMiddleware:
    """The workspace pages' security headers (each only when the page did not set its own).

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs every
    request, API calls included, through an extra task and memory streams, which cost the invoice
    intake about 1 ms of CPU per request (measured, issue #21) for headers only pages get."""

    def __init__(self, app, *, csp: str) -> None:
        self.app = app
        self.headers = [(b"content-security-policy", csp.encode("latin-1")),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"same-origin"),
                        (b"x-frame-options", b"DENY")]

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path.startswith("/ui") or path == "/"):
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in self.headers if h[0] not in present)]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def content_security_policy(settings: Settings) -> str:
    """CSP of the pages; signing out at the identity provider is a form post redirected to it."""
    if not settings.oidc_enabled:
        return CSP
    from urllib.parse import urlsplit

    issuer = urlsplit(str(settings.oidc_issuer))
    return CSP.replace("form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}")


def _html_error(request: Request, status: int, key: str):
    from service.ui.i18n import Translator

    staff = getattr(request.state, "staff", None)
    t = Translator(staff.language if staff else "nl")
    return request.app.state.ui_templates.TemplateResponse(
        request, "error.html", {"t": t, "staff": staff, "lang": t.lang, "status": status, "message": t(key)},
        status_code=status)


def _static_version() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((HERE / "static").glob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _back_to_form(request: Request) -> dict[str, str]:
    """A form sent after the session expired: back to the page it was on after signing in again (where
    app.js puts the typed text back), when that page is one of the workspace's own."""
    from urllib.parse import urlsplit

    ref = urlsplit(request.headers.get("referer", ""))
    if ref.netloc != request.url.netloc or not ref.path.startswith("/ui/") or ref.path.startswith("/ui/login"):
        return {}
    return {"next": ref.path + (f"?{ref.query}" if ref.query else "")}
