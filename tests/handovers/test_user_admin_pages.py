"""User administration in the workspace: only admins see it; they list, create, change rights and
approval limit, and deactivate the organisation's staff; every change is recorded (StaffChange)."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.models.handovers import StaffChange
from service.models.workspace import StaffRole, StaffUser
from tests.workspace.test_pages import csrf_of, login


def _as(app, username: str, password: str = "correct horse battery staple") -> TestClient:
    c = TestClient(app, base_url="https://testserver")  # the base URL is https: Secure cookies
    assert "error" not in login(c, username=username, password=password).headers["location"]
    return c


def test_an_admin_manages_the_organisations_staff(bare_client, staff, engine):
    with Session(engine) as s:
        anna = s.exec(select(StaffUser).where(StaffUser.username == "anna")).one()
        anna.role = StaffRole.admin
        s.add(anna)
        s.commit()
    admin, cora = _as(bare_client.app, "anna"), _as(bare_client.app, "cora")
    assert cora.get("/ui/admin/users").status_code == 404 and "/ui/admin/users" not in cora.get("/ui/queue").text
    page = admin.get("/ui/admin/users")
    assert page.status_code == 200 and 'id="user-bert"' in page.text and "Gebruikersbeheer" in page.text
    token = csrf_of(page.text)
    r = admin.post("/ui/admin/users", data={"csrf_token": token, "username": "dirk", "display_name": "Dirk Budget",
                                            "email": "dirk@gemeente.example", "role": "reviewer", "language": "en",
                                            "password": "short"})
    assert "Het wachtwoord moet minstens 12 tekens hebben." in r.text
    r = admin.post("/ui/admin/users", data={"csrf_token": token, "username": "dirk", "display_name": "Dirk Budget",
                                            "email": "dirk@gemeente.example", "role": "reviewer", "language": "en",
                                            "password": "a-long-enough-password"})
    assert "Gebruiker dirk is toegevoegd." in r.text and 'id="user-dirk"' in r.text
    # a budget holder: no review rights, a limit; then deactivated (signed out at once)
    r = admin.post("/ui/admin/users/dirk", data={"csrf_token": token, "role": "reviewer", "rights": [],
                                                 "approval_limit": "5000,00", "email": "dirk@gemeente.example",
                                                 "active": "yes"})
    assert "Gebruiker dirk is bijgewerkt." in r.text
    dirk = _as(bare_client.app, "dirk", "a-long-enough-password")
    assert dirk.get("/ui/queue").status_code == 200
    r = admin.post("/ui/admin/users/dirk", data={"csrf_token": token, "role": "reviewer", "approval_limit": "5000",
                                                 "email": "dirk@gemeente.example"})
    assert dirk.get("/ui/queue", follow_redirects=False).status_code == 303  # signed out
    self_off = admin.post("/ui/admin/users/anna", data={"csrf_token": token, "role": "admin"})
    assert "U kunt uzelf niet deactiveren" in self_off.text
    with Session(engine) as s:
        user = s.exec(select(StaffUser).where(StaffUser.username == "dirk")).one()
        assert (user.rights, user.approval_limit, user.active, user.email) == ([], Decimal("5000.00"), False,
                                                                            "dirk@gemeente.example")
        changes = s.exec(select(StaffChange).where(StaffChange.user_id == user.id).order_by(StaffChange.at)).all()
        assert [(c.change, c.actor) for c in changes] == [("created", "user:anna"), ("updated", "user:anna"),
                                                          ("deactivated", "user:anna")]
        assert changes[1].before["rights"] == ["review", "second_approval"] and changes[1].after["rights"] == []
    assert "gedeactiveerd" in admin.get("/ui/admin/users").text


def test_a_single_sign_on_users_address_is_said_to_come_from_the_token_in_english_too(bare_client, staff, engine):
    from service.models.workspace import Language
    from service.ui.sso.claims import identity_from
    from service.ui.sso.provisioning import provision, sync_organisations

    identity = identity_from({"sub": "s-erik", "preferred_username": "erik", "name": "Erik Eén", "groups": ["reviewer"],
                              "email": "erik@gemeente.example"}, issuer="https://idp.gemeente.example",
                             username_claim="preferred_username", groups_claim="groups", group_roles={})
    with Session(engine) as s:
        sync_organisations(s, provision(s, identity, language=Language.nl).id, ())
        anna = s.exec(select(StaffUser).where(StaffUser.username == "anna")).one()
        anna.role, anna.language = StaffRole.admin, Language.en
        s.add(anna)
        s.commit()
    admin = _as(bare_client.app, "anna")
    page = admin.get("/ui/admin/users").text
    erik = page.split('id="edit-erik"', 1)[1].split("</details>", 1)[0]
    assert ("Replaced at every sign-in through single sign-on by the address in the token (claim email); "
            "a change made here lasts until the next sign-in.") in erik
    assert "Source: the token from single sign-on, at the sign-in of " in erik and "Herkomst" not in erik
    assert 'aria-describedby="email-hint-' in erik
    # an address typed here by an admin, for a local user: its source, and no word of a token
    r = admin.post("/ui/admin/users/bert", data={"csrf_token": csrf_of(page), "role": "reviewer",
                                                 "rights": ["review"], "email": "b.budget@gemeente.example",
                                                 "active": "yes"})
    bert = r.text.split('id="edit-bert"', 1)[1].split("</details>", 1)[0]
    assert "Source: entered in the user administration." in bert and "Replaced at every sign-in" not in bert
