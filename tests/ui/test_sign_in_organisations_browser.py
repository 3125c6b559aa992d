"""Sign-in through the real OpenID Connect test provider on an instance with two organisations: the
groups in the token say which organisations a person works for; none of them is a refusal with a
clear page (Dutch and English) and nothing is created."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from tests.ui.conftest import app_server
from tests.ui.test_sign_in_oidc_browser import (  # noqa: F401 (fixtures)
    CLIENT_ID,
    GROUP_ROLES,
    authorize_as,
    go_to_provider,
    provider,
    set_user,
    sso_page,
    staff_users,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def org_db(tmp_path_factory) -> tuple[str, dict[str, str]]:
    from service.db import make_engine
    from service.migrations import upgrade
    from service.organisations.payloads import OrganisationIn
    from service.organisations.store import create_organisation

    url = f"sqlite:///{tmp_path_factory.mktemp('sso-orgs-db') / 'sso.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        ids = {name: str(create_organisation(s, OrganisationIn(name=f"Gemeente {name}", identifiers=[
            {"scheme": "0190", "value": oin}])).id)
            for name, oin in (("Noord", "00000001001234560000"), ("Zuid", "00000001001234572000"))}
        s.commit()
    engine.dispose()
    return url, ids


@pytest.fixture(scope="module")
def org_sso_server(org_db, provider, tmp_path_factory):  # noqa: F811
    url, ids = org_db
    env = {
        "EINVOICE_OIDC_ISSUER": provider,
        "EINVOICE_OIDC_CLIENT_ID": CLIENT_ID,
        "EINVOICE_OIDC_CLIENT_SECRET": "test-client-secret",
        "EINVOICE_OIDC_PROVIDER_NAME": "Test IdP",
        "EINVOICE_OIDC_GROUP_ROLES": json.dumps(GROUP_ROLES),
        "EINVOICE_OIDC_GROUP_ORGANISATIONS": json.dumps({"fin-noord": ids["Noord"], "fin-zuid": ids["Zuid"]}),
        "EINVOICE_LOCAL_PASSWORDS": "false",
    }
    with app_server(url, tmp_path_factory, env) as base:
        yield base


def _memberships(db_url: str) -> dict[str, set[str]]:
    from service.db import make_engine
    from service.models.organisations import StaffMembership
    from service.models.workspace import StaffUser

    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            rows = s.exec(select(StaffUser.username, StaffMembership.organisation_id).join(
                StaffMembership, StaffMembership.user_id == StaffUser.id)).all()
    finally:
        engine.dispose()
    out: dict[str, set[str]] = {}
    for username, org in rows:
        out.setdefault(username, set()).add(str(org))
    return out


def test_the_groups_say_which_organisations_a_person_works_for(sso_page, org_sso_server, provider,  # noqa: F811
                                                                org_db) -> None:
    url, ids = org_db
    set_user(provider, "sub-fatima", preferred_username="fatima@centrum.example", name="Fatima",
             groups=["fin-reviewers", "fin-zuid", "fin-noord"])
    go_to_provider(sso_page, org_sso_server)
    authorize_as(sso_page, "sub-fatima")
    sso_page.wait_for_url(re.compile(r"/ui/queue"))
    assert _memberships(url)["fatima@centrum.example"] == {ids["Noord"], ids["Zuid"]}
    assert sso_page.get_by_label("Organisatie").count() == 1  # she can switch between both

    # taken out of one group at the provider: at the next sign-in she works for the other only
    set_user(provider, "sub-fatima", preferred_username="fatima@centrum.example", name="Fatima",
             groups=["fin-reviewers", "fin-zuid"])
    sso_page.locator("#logout").click()
    sso_page.get_by_role("button", name="End session").click()
    go_to_provider(sso_page, org_sso_server)
    authorize_as(sso_page, "sub-fatima")
    sso_page.wait_for_url(re.compile(r"/ui/queue"))
    assert _memberships(url)["fatima@centrum.example"] == {ids["Zuid"]}


@pytest.mark.parametrize("lang,text", [("nl", "geen van uw groepen hoort bij een organisatie"),
                                       ("en", "none of your groups belongs to an organisation")])
def test_no_group_naming_an_organisation_is_refused_and_creates_nothing(
        sso_page, org_sso_server, provider, org_db, lang, text) -> None:  # noqa: F811
    url, _ = org_db
    sub = f"sub-no-org-{lang}"
    set_user(provider, sub, preferred_username=f"no-org-{lang}@centrum.example", name="X",
             groups=["fin-reviewers", "all-staff"])
    before = [u.username for u in staff_users(url)]
    go_to_provider(sso_page, org_sso_server, lang)
    authorize_as(sso_page, sub)
    sso_page.wait_for_url(re.compile(r"/ui/oidc/callback"))
    assert text in sso_page.locator("main").inner_text()
    assert [u.username for u in staff_users(url)] == before
    assert "einvoice_session" not in {c["name"] for c in sso_page.context.cookies()}
