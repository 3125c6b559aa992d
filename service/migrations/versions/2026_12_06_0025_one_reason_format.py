"""One stored form for an invoice's reasons (issue #20: one Reason model)

Before, validation stored ``message`` in English (and ``message_nl``, no ``message_en``), matching
stored ``message`` in Dutch (with ``message_nl`` and ``message_en``). Every stored reason becomes
``{code, message_en, message_nl, line_id, expected, actual, ...fields}`` (service.reasons.Reason,
``to_stored``): ``message_en`` is the row's ``message_en``, else its ``message`` (English wherever
``message_en`` was missing), else the code's English text; ``message_nl`` the row's, else the code's
Dutch text; ``message`` is dropped (the API derives it). Rows are rewritten in pages by id; a row
already in the new form is left alone, so running it twice changes nothing.

Revision ID: 0025_one_reason_format
Revises: 0024_handovers
Create Date: 2026-12-06
"""

from typing import Any

from alembic import op
import sqlalchemy as sa

revision = "0025_one_reason_format"
down_revision = "0024_handovers"
branch_labels = None
depends_on = None

_PAGE = 500
_CORE = ("line_id", "expected", "actual")
_invoices = sa.table("invoices", sa.column("id", sa.Uuid()), sa.column("reasons", sa.JSON()))


def _code_texts(code: str) -> tuple[str | None, str | None]:
    # the code's texts as this version has them: a fallback for rows that carried no message at all
    from service.reasons import ReasonCode

    try:
        rc = ReasonCode(code)
    except ValueError:
        return None, None
    return rc.message_en, rc.message_nl


def _new_form(reason: Any) -> Any:
    if not isinstance(reason, dict) or not reason.get("code"):
        return reason
    en_default, nl_default = _code_texts(str(reason["code"]))
    out: dict[str, Any] = {
        "code": reason["code"],
        "message_en": reason.get("message_en") or reason.get("message") or en_default or reason["code"],
        "message_nl": reason.get("message_nl") or nl_default or reason.get("message") or reason["code"],
    }
    out.update(dict.fromkeys(_CORE))
    out.update({k: v for k, v in reason.items() if k not in ("code", "message", "message_en", "message_nl")})
    return out


def upgrade() -> None:
    conn = op.get_bind()
    last = None
    while True:
        query = sa.select(_invoices.c.id, _invoices.c.reasons).order_by(_invoices.c.id).limit(_PAGE)
        if last is not None:
            query = query.where(_invoices.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        for invoice_id, reasons in rows:
            if isinstance(reasons, list) and reasons:
                new = [_new_form(r) for r in reasons]
                if new != reasons:
                    conn.execute(_invoices.update().where(_invoices.c.id == invoice_id).values(reasons=new))
        last = rows[-1][0]


def downgrade() -> None:
    # the earlier readers took ``message`` as the text to show: give it back, in English
    conn = op.get_bind()
    for invoice_id, reasons in conn.execute(sa.select(_invoices.c.id, _invoices.c.reasons)).all():
        if isinstance(reasons, list) and reasons:
            old = [{**r, "message": r.get("message_en")} if isinstance(r, dict) and "message" not in r else r
                   for r in reasons]
            if old != reasons:
                conn.execute(_invoices.update().where(_invoices.c.id == invoice_id).values(reasons=old))
