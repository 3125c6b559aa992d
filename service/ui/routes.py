"""Workspace pages: login, queue, invoice, review actions (forms), dashboard, language."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from sqlmodel import Session, select

from service import review
from service.approvals import four_eyes
from service.approvals.four_eyes import SecondApproverRequired
from service.approvals.rule_versions import rules_in_force
from service.approvals.rules import DEFAULT_REASON_CODES, second_person_needed
from service.approvals.rights import RightMissing, approver
from service.db import SessionDep
from service.decisions.rematch import link_order, rematch_by_hand
from service.masterdata.common import OrderNotFound
from service.errors import IllegalTransition, InvalidInput, NotFound, ServiceError
from service.models.invoices import Invoice
from service.models.organisations import Organisation
from service.models.workspace import Language
from service.reasons import ReasonCode
from service.ui import dashboard as dash
from service.ui import invoice_view, queue
from service.handovers.store import colleagues as colleagues_of
from service.notifications.inbox import unread_count
from service.ui.accounts import authenticate
from service.ui.handover_view import handover_panel
from service.ui.i18n import Translator
from service.ui.session import (
    CsrfFailed, LoginRequired, StaffSession, check_csrf, check_form, check_login_csrf, end_session, login_csrf_token,
    read_session, start_session,
)
from service.ui.working_organisation import remember_organisation, working_organisation

router = APIRouter(prefix="/ui", include_in_schema=False)

# Reasons the approval confirmation marks as a risk: money to an unknown account or party, or in
# another currency (DESIGN's four-eyes reasons, whatever the rules in force say).
RISKY_CODES = frozenset(DEFAULT_REASON_CODES)

FLASH = {"approved": "msg_approved", "rejected": "msg_rejected", "on_hold": "msg_on_hold",
         "awaiting_approval": "msg_awaiting_approval", "commented": "msg_commented",
         "rematched": "msg_rematched", "rematch_approved": "msg_rematch_approved",
         "order_linked": "msg_order_linked", "order_linked_approved": "msg_order_linked_approved",
         # resolving lines by hand (service/ui/resolve_routes.py)
         "line_paired": "msg_line_paired", "line_paired_approved": "msg_line_paired_approved",
         "variance_accepted": "msg_variance_accepted", "variance_accepted_approved": "msg_variance_accepted_approved",
         "variance_accepted_awaiting_approval": "msg_variance_accepted_awaiting",
         # hand-overs (service/ui/handover_routes.py)
         "assigned": "msg_assigned", "forwarded": "msg_forwarded", "confirmed": "msg_confirmed",
         "confirmed_approved": "msg_confirmed_approved", "declined": "msg_declined", "withdrawn": "msg_withdrawn"}
ERRORS = {"iban_invalid": "err_iban_invalid", "iban_unchanged": "err_iban_unchanged",
          "stale": "err_stale", "illegal": "err_illegal", "second": "err_second_approver",
          "right": "err_right_missing", "confirm": "err_confirm",
          "reason": "err_reason_required",
          "text": "err_text_required", "csrf": "csrf_failed", "order": "err_order_unknown",
          "resolve": "err_resolve",
          "colleague": "err_colleague", "due_date": "err_due_date", "no_request": "err_no_request",
          "not_assignee": "err_not_assignee", "not_requester": "err_not_requester", "not_open": "err_not_open"}


def staff(request: Request, session: SessionDep) -> StaffSession:
    current = read_session(request, session)
    if current is None:
        raise LoginRequired()
    current.organisations, current.organisation_id = working_organisation(request, session, current.user.id)
    current.unread = unread_count(session, current.user.id)
    current.is_admin = current.user.role.value == "admin"
    request.state.staff = current
    return current


Staff = Annotated[StaffSession, Depends(staff)]


def render(request: Request, template: str, t: Translator, status_code: int = 200, **context) -> HTMLResponse:
    templates = request.app.state.ui_templates
    current = getattr(request.state, "staff", None)
    response = templates.TemplateResponse(
        request, template, {"t": t, "staff": current, "lang": t.lang, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    # Only local workspace paths: never an open redirect.
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/queue"


# --- sign in / out -------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str = "", lang: str = "nl", error: str = "",
               signed_out: str = "") -> Response:
    if read_session(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    t = Translator(lang)
    settings = request.app.state.settings
    response = HTMLResponse("")
    token = login_csrf_token(request, response)
    page = render(request, "login.html", t, next=safe_next(next) if next else "", csrf_token=token,
                  local_passwords=settings.local_passwords,
                  sso_name=settings.oidc_provider_name if settings.oidc_enabled else "",
                  flash=t("signed_out") if signed_out else "",
                  error=t("login_failed") if error == "1" else (t(ERRORS[error]) if error in ERRORS else ""))
    for key, value in response.headers.items():
        if key.lower() == "set-cookie":
            page.headers.append("set-cookie", value)
    return page


@router.post("/login")
def login(request: Request, session: SessionDep, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "", lang: Annotated[str, Form()] = "nl") -> Response:
    if not request.app.state.settings.local_passwords:
        t = Translator(lang)
        return render(request, "error.html", t, status_code=403, status=403,
                      message=t("password_sign_in_off", provider=request.app.state.settings.oidc_provider_name))
    try:
        check_login_csrf(request, csrf_token)
    except CsrfFailed:
        return RedirectResponse(f"/ui/login?{urlencode({'error': 'csrf', 'lang': lang})}", status_code=303)
    user = authenticate(session, username[:100], password[:1000])
    if user is None:
        # The failure counter is committed (the request's unit of work commits on a normal return).
        return RedirectResponse(f"/ui/login?{urlencode({'error': '1', 'lang': lang, 'next': next})}", status_code=303)
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, current: Staff, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, current, csrf_token)
    current.user.session_epoch += 1  # every cookie of this user stops working
    session.add(current.user)
    target = "/ui/login?signed_out=1"
    provider = getattr(request.app.state, "oidc", None)
    if current.via == "oidc" and provider is not None:
        # Also end the session at the identity provider, or the next "sign in" would pass straight through.
        base = str(request.app.state.settings.public_base_url).rstrip("/")
        target = provider.end_session_url(post_logout_redirect_uri=f"{base}{target}",
                                          id_token_hint=current.id_token_hint) or target
    response = RedirectResponse(target, status_code=303)
    end_session(response)
    return response


@router.post("/language")
def set_language(request: Request, session: SessionDep, current: Staff, language: Annotated[str, Form()],
                 csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, current, csrf_token)
    if language in (Language.nl.value, Language.en.value):
        current.user.language = Language(language)
        session.add(current.user)
    return RedirectResponse(safe_next(next), status_code=303)


# --- queue ---------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/ui/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, session: SessionDep, current: Staff, cursor: str | None = None,
               msg: str = "", ref: str = "", error: str = "") -> Response:
    t = Translator(current.user.language.value)
    flt = queue.QueueFilter.from_params(request.query_params, actor=current.actor)
    flt.organisation_id = current.organisation_id
    result = queue.page(session, flt, cursor)
    qs = urlencode(flt.query_params())
    colleagues = [(u.username, u.display_name or u.username) for u in colleagues_of(session, current.organisation_id)]
    return render(request, "queue.html", t, flt=flt, page=result, qs=qs, cursor=cursor, colleagues=colleagues,
                  age_choices=queue.AGE_CHOICES, today=_today(),
                  flash=t(FLASH[msg], ref=ref) if msg in FLASH else "",
                  error=t(ERRORS[error]) if error in ERRORS else "",
                  next_url=f"/ui/queue?{urlencode({**flt.query_params(), 'cursor': result.next_cursor})}"
                  if result.next_cursor else None)


# --- invoice -------------------------------------------------------------------------------------


def _load(session: Session, invoice_id: str, current: StaffSession) -> Invoice:
    try:
        inv = session.get(Invoice, uuid.UUID(invoice_id))
    except ValueError:
        inv = None
    if inv is None or inv.organisation_id != current.organisation_id:  # another organisation's: none
        raise NotFound("no such invoice")
    return inv


@router.get("/invoices/{invoice_id}")
def invoice_page(request: Request, invoice_id: str, session: SessionDep, current: Staff, msg: str = "",
                 ref: str = "", error: str = "") -> Response:
    t = Translator(current.user.language.value)
    inv = _load(session, invoice_id, current)
    flt = queue.QueueFilter.from_params(request.query_params, actor=current.actor)
    flt.organisation_id = current.organisation_id
    prev_id, next_id = queue.neighbours(session, inv, flt)
    qs = urlencode(flt.query_params())
    view = invoice_view.build(session, inv)
    current_codes = review.current_codes(inv)
    other_codes = [c.value for c in review.REJECTION_CODES if c.value not in current_codes]
    return render(request, "invoice.html", t, v=view, inv=inv, qs=qs, flt=flt, prev_id=prev_id, next_id=next_id,
                  actionable=inv.status.value in queue.QUEUE_STATUSES, current_codes=current_codes,
                  risky_codes=RISKY_CODES, confirm_note=_confirm_note(session, t, inv, current, current_codes),
                  invoice_iban=_invoice_iban(inv),
                  other_codes=other_codes, today=_today(), handover=handover_panel(session, inv, current),
                  flash=t(FLASH[msg], ref=ref) if msg in FLASH else "",
                  error=t(ERRORS[error]) if error in ERRORS else "")


def _invoice_iban(inv: Invoice) -> str | None:
    """BT-84 as the bank check saw it (the failed check's actual value), to propose it as it is."""
    return next((r.get("actual") for r in inv.reasons
                 if r.code is ReasonCode.BANK_ACCOUNT_UNVERIFIED and r.get("actual")), None)


def _confirm_note(session: Session, t: Translator, inv: Invoice, current: StaffSession, codes: list[str]) -> str:
    """What the approval confirmation says about four eyes: a second person will be needed, or this
    is the second approval (and whose first it completes)."""
    if inv.status.value == "awaiting_approval":
        first = four_eyes.first_approval(session, inv.id)
        return t("confirm_second", who=first.actor if first else "?")
    user = current.user
    triggers = second_person_needed(rules_in_force(session, inv.organisation_id), reason_codes=codes, payable_amount=inv.payable_amount,
                                    currency=inv.currency, approver_limit=user.approval_limit)
    return t("confirm_four_eyes") if triggers else ""


def t_of(current: StaffSession) -> Translator:
    return Translator(current.user.language.value)


def _confirmation_page(request: Request, session: Session, t: Translator, inv: Invoice, current: StaffSession,
                       flt: queue.QueueFilter, version: int | None, comment: str) -> Response:
    """The approval's confirmation as a page of its own (the dialog's content, for a browser without
    JavaScript): amount, supplier, open reasons with the risky ones marked, the four-eyes note; only
    its own button (confirmed=yes) approves. Nothing is decided by reaching it."""
    if inv.status.value not in queue.QUEUE_STATUSES:
        return _error_redirect(session, inv.id, flt, "illegal")
    codes = review.current_codes(inv)
    return render(request, "approve_confirm.html", t, inv=inv, flt=flt, qs=urlencode(flt.query_params()),
                  current_codes=codes, risky_codes=RISKY_CODES, version=version, comment=comment,
                  confirm_note=_confirm_note(session, t, inv, current, codes))


@router.get("/invoices/{invoice_id}/document")
def download_document(invoice_id: str, session: SessionDep, current: Staff) -> Response:
    inv = _load(session, invoice_id, current)
    name = "".join(ch for ch in (inv.invoice_number or str(inv.id)) if ch.isalnum() or ch in "-_.")[:100] or "invoice"
    return Response(inv.document, media_type=inv.media_type or "application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xml"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.get("/invoices/{invoice_id}/attachments/{position}")
def download_attachment(invoice_id: str, position: int, session: SessionDep, current: Staff) -> Response:
    inv = _load(session, invoice_id, current)
    found = invoice_view.attachment_content(session, inv.id, position)
    if found is None:
        raise NotFound("no such attachment")
    filename, media_type, content = found
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_. ")[:150] or f"attachment-{position}"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{safe}"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                             "Content-Security-Policy": "sandbox"})


def _after_action(request: Request, session: Session, inv: Invoice, flt: queue.QueueFilter, msg: str) -> Response:
    """Straight on to the next invoice in the queue (the decided one has left it)."""
    _, next_id = queue.neighbours(session, inv, flt)
    params = {**flt.query_params(), "msg": msg, "ref": inv.invoice_number or ""}
    target = f"/ui/invoices/{next_id}" if next_id else "/ui/queue"
    return RedirectResponse(f"{target}?{urlencode(params)}", status_code=303)


def _error_redirect(session: Session, inv_id: uuid.UUID, flt: queue.QueueFilter, code: str) -> Response:
    session.rollback()
    params = {**flt.query_params(), "error": code}
    return RedirectResponse(f"/ui/invoices/{inv_id}?{urlencode(params)}#actions", status_code=303)


def _error_code(exc: ServiceError) -> str:
    if isinstance(exc, review.StaleInvoice):
        return "stale"
    if isinstance(exc, SecondApproverRequired):
        return "second"
    if isinstance(exc, RightMissing):
        return "right"
    if isinstance(exc, IllegalTransition):
        return "illegal"
    return "reason"


async def _form(request: Request) -> FormData:
    return await request.form()


# The posted form, read on the event loop before a plain `def` route runs in the thread pool.
FormDep = Annotated[FormData, Depends(_form)]


# A plain `def`: FastAPI runs it in its thread pool, so a slow database never stalls the event loop
# (tests/foundation/test_event_loop.py); the form is read before, by the async dependency.
@router.post("/invoices/{invoice_id}/{action}")
def act(request: Request, invoice_id: str, action: str, session: SessionDep, current: Staff,
        form: FormDep) -> Response:
    check_form(request, current, form, back=f"/ui/invoices/{invoice_id}")
    inv = _load(session, invoice_id, current)
    flt = queue.QueueFilter.from_params(form, actor=current.actor)
    flt.organisation_id = current.organisation_id
    try:
        version = int(str(form.get("version", ""))) if form.get("version") else None
    except ValueError:
        version = None
    text = str(form.get("comment", "") or "")
    try:
        if action == "approve":
            if form.get("confirmed") != "yes":  # only the confirmation's own button sends it
                # without JavaScript the Approve button posts here: the confirmation as a page
                return _confirmation_page(request, session, t_of(current), inv, current, flt, version, text)
            user = current.user
            approved, _ = review.approve(session, inv.id, actor=current.actor, comment=text,
                                         expected_version=version,
                                         approver=approver(current.actor, user.role.value, user.rights,
                                                           user.approval_limit))
            return _after_action(request, session, inv, flt, approved.status.value)
        if action == "reject":
            codes = [str(c) for c in form.getlist("reason_codes") if str(c) in ReasonCode.__members__]
            review.reject(session, inv.id, actor=current.actor, reason=str(form.get("reason", "") or ""),
                          reason_codes=codes, expected_version=version)
            return _after_action(request, session, inv, flt, "rejected")
        if action == "hold":
            review.hold(session, inv.id, actor=current.actor, comment=text, expected_version=version)
            return _after_action(request, session, inv, flt, "on_hold")
        if action == "order":
            try:
                passed = link_order(session, inv, str(form.get("order_number", "") or ""), actor=current.actor)
            except OrderNotFound:
                return _error_redirect(session, inv.id, flt, "order")
            params = {**flt.query_params(), "msg": "order_linked_approved" if passed else "order_linked",
                      "ref": inv.invoice_number or ""}
            return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode(params)}", status_code=303)
        if action == "rematch":
            now_approved = rematch_by_hand(session, inv, actor=current.actor)
            params = {**flt.query_params(), "msg": "rematch_approved" if now_approved else "rematched",
                      "ref": inv.invoice_number or ""}
            return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode(params)}", status_code=303)
        if action == "comment":
            review.add_comment(session, inv.id, actor=current.actor, text=text)
            params = {**flt.query_params(), "msg": "commented"}
            return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode(params)}#trail", status_code=303)
    except InvalidInput:
        return _error_redirect(session, inv.id, flt, "text" if action == "comment" else "reason")
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _error_redirect(session, inv.id, flt, _error_code(exc))
    raise NotFound("no such action")


# --- dashboard -----------------------------------------------------------------------------------


@router.post("/organisation")
def switch_organisation(request: Request, current: Staff, organisation: Annotated[str, Form()] = "",
                        csrf_token: Annotated[str, Form()] = "") -> Response:
    """Work on another of the person's organisations (the queue and every page show its invoices)."""
    check_csrf(request, current, csrf_token)
    response = RedirectResponse("/ui/queue", status_code=303)
    if organisation in {str(org_id) for org_id, _ in current.organisations}:
        remember_organisation(request, response, organisation)
    return response


@router.get("/dashboard")
def dashboard_page(request: Request, session: SessionDep, current: Staff, scope: str = "") -> Response:
    t = Translator(current.user.language.value)
    # the centre's management (admins who work for every organisation) may see all of them together;
    # everyone else their current one: a person never sees another organisation's data
    may_see_all = current.user.role.value == "admin" and _works_for_all(session, current)
    across = scope == "all" and may_see_all
    d = dash.cached(session, None if across else current.organisation_id)
    pct = lambda v: t.percent(v)  # noqa: E731
    charts = {
        "stp": dash.column_chart("chart-stp", t("stp_rate"),
                                 [(w.split("-")[1], (a / n) if n else 0) for w, a, n in d.stp], fmt=pct, max_value=1),
        "exceptions": dash.hbar_chart("chart-exceptions", t("exceptions_by_reason"),
                                      [(t.reason_label(c), k) for c, k in d.exceptions]),
        "volume": dash.column_chart("chart-volume", t("volume_per_day"),
                                    [(f"{day.day}", k) for day, k in d.volume], label_every=5),
        "decided": dash.hbar_chart("chart-decided", t("ageing"),
                                   [(t("decided_within", n=days), (k / n) if n else 0) for days, k, n in d.decided_within]
                                   + [(t("paid_within_30"), (d.paid_within_30[0] / d.paid_within_30[1]) if d.paid_within_30[1] else 0)],
                                   fmt=pct),
        "open": dash.hbar_chart("chart-open", t("open_ageing"), [(_bucket_label(t, b), k) for b, k in d.open_ageing]),
        "suppliers": dash.hbar_chart("chart-suppliers", t("top_suppliers"),
                                     [(name, r + e) for name, r, e in d.suppliers]),
        "rules": dash.hbar_chart("chart-rules", t("top_rules"), list(d.rules)),
    }
    return render(request, "dashboard.html", t, d=d, charts=charts, weeks=dash.WEEKS, bucket_label=_bucket_label,
                  across=across, may_see_all=may_see_all)


def _works_for_all(session: Session, current: StaffSession) -> bool:
    every = set(session.exec(select(Organisation.id)).all())
    return every <= {org_id for org_id, _ in current.organisations}


def _bucket_label(t: Translator, bucket: str) -> str:
    if bucket.endswith("+"):
        return t("age_over", n=bucket[:-1])
    a, b = bucket.split("-")
    return t("age_bucket", a=a, b=b)


def _today():
    from service.models.base import utcnow

    return utcnow().date()

