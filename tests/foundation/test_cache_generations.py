"""The configuration intake reads for every invoice (buyer directory, matching policy, webhook
subscriptions) is kept per process and still follows every change: a write by another process or
tool, through no code of ours, is seen by the next transaction (service/generations.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlmodel import Session

from service.db import make_engine
from service.decisions.policy import effective_policy, set_global_policy
from service.erp import webhooks
from service.models.erp import WebhookSubscription
from service.models.matching import GLOBAL_POLICY_SCOPE, MatchPolicyVersion
from service.models.organisations import DEFAULT_ORGANISATION_ID, OrganisationIdentifier
from service.organisations.directory import identifier_key
from service.organisations.store import ensure_default, load_directory


def _other_process(db_url: str, statement) -> None:
    """A write as another worker (its own engine and connection) or an operator's SQL makes it."""
    other = make_engine(db_url)
    try:
        with other.begin() as conn:
            conn.execute(statement)
    finally:
        other.dispose()


def test_the_directory_is_kept_until_another_process_changes_an_identifier(engine, db_url):
    with Session(engine) as s:
        ensure_default(s)  # the identifier's organisation (an earlier test may have emptied the tables)
        s.commit()
    with Session(engine) as s:
        first = load_directory(s)
    with Session(engine) as s:
        assert load_directory(s) is first  # kept: no identifier changed
    _other_process(db_url, insert(OrganisationIdentifier.__table__).values(
        id=uuid.uuid4(), organisation_id=DEFAULT_ORGANISATION_ID, scheme="0190", value="00000001234567890000"))
    with Session(engine) as s:
        after = load_directory(s)
    assert after is not first
    assert after.by_key.get(identifier_key("0190", "00000001234567890000")) == DEFAULT_ORGANISATION_ID


def test_the_policy_follows_a_version_written_elsewhere_and_one_written_in_the_same_transaction(engine, db_url):
    with Session(engine) as s:
        before = effective_policy(s, None, {}).version
    _other_process(db_url, insert(MatchPolicyVersion.__table__).values(
        id=uuid.uuid4(), scope=GLOBAL_POLICY_SCOPE, version=41, settings={"total_abs": "7"}, created_by="sql"))
    with Session(engine) as s:
        seen = effective_policy(s, None, {})
        assert seen.version == "global:41" != before and str(seen.total_abs) == "7"
        set_global_policy(s, {"total_abs": "9"}, actor="test")  # and read back in this transaction
        mine = effective_policy(s, None, {})
        assert mine.version == "global:42" and str(mine.total_abs) == "9"
        s.rollback()
    with Session(engine) as s:  # the rolled-back version is nobody's
        assert effective_policy(s, None, {}).version == "global:41"


def test_webhook_subscriptions_added_by_another_process_get_the_next_event(engine, db_url):
    with Session(engine) as s:
        assert webhooks._active(s) == []
    sub_id = uuid.uuid4()
    _other_process(db_url, insert(WebhookSubscription.__table__).values(
        id=sub_id, url="https://erp.example.nl/hook", secret="s" * 32, event_types=["*"], active=True))
    with Session(engine) as s:
        assert [row.id for row in webhooks._active(s)] == [sub_id]
