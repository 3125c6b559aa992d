"""A matching check's note in two fields (issue #20: no "Dutch|English" strings in storage)

Every check in ``match_decisions.decision`` carried ``note`` as one "Dutch|English" string; it now
carries ``note_nl`` and ``note_en`` (service.matching.types.Check). A note without "|" was Dutch
only: its English stays empty and the text falls back to the Dutch, as before. Rows are rewritten in
pages by id; a decision already in the new form is left alone, so running it twice changes nothing.
Replay compares the stored decision with a recomputed one: after this migration both have the two
fields, so a decision that replayed identically still does.

Revision ID: 0026_check_notes_two_languages
Revises: 0025_one_reason_format
Create Date: 2026-12-06
"""

from typing import Any

from alembic import op
import sqlalchemy as sa

revision = "0026_check_notes_two_languages"
down_revision = "0025_one_reason_format"
branch_labels = None
depends_on = None

_PAGE = 500
_decisions = sa.table("match_decisions", sa.column("id", sa.Uuid()), sa.column("decision", sa.JSON()))


def _split(check: Any) -> Any:
    if not isinstance(check, dict) or "note" not in check:
        return check
    out = {k: v for k, v in check.items() if k != "note"}
    nl, _, en = str(check["note"] or "").partition("|")
    out["note_nl"], out["note_en"] = nl, en
    return out


def _join(check: Any) -> Any:
    if not isinstance(check, dict) or "note" in check:
        return check
    out = {k: v for k, v in check.items() if k not in ("note_nl", "note_en")}
    nl, en = check.get("note_nl") or "", check.get("note_en") or ""
    out["note"] = f"{nl}|{en}" if en else nl
    return out


def _rewrite(change: Any) -> None:
    conn = op.get_bind()
    last = None
    while True:
        query = sa.select(_decisions.c.id, _decisions.c.decision).order_by(_decisions.c.id).limit(_PAGE)
        if last is not None:
            query = query.where(_decisions.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        for decision_id, decision in rows:
            if isinstance(decision, dict) and isinstance(decision.get("checks"), list):
                new = {**decision, "checks": [change(c) for c in decision["checks"]]}
                if new != decision:
                    conn.execute(_decisions.update().where(_decisions.c.id == decision_id).values(decision=new))
        last = rows[-1][0]


def upgrade() -> None:
    _rewrite(_split)


def downgrade() -> None:
    _rewrite(_join)
