"""Saved views of the find list (#17): a person saves the current search under a name, finds it in
the list, opens it, replaces it under the same name, deletes it; nobody sees another's views."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session

from service.ui import accounts
from tests.workspace.test_pages import PASSWORD, csrf_of, login, user  # noqa: F401  (fixture)


def _views(page: str) -> list[tuple[str, str]]:
    import re

    block = page.split('id="saved-views"', 1)[1].split("</ul>", 1)[0] if 'id="saved-views"' in page else ""
    return re.findall(r'<li><a href="/ui/search\?([^"]*)">([^<]*)</a>', block)


def test_a_person_saves_opens_replaces_and_deletes_a_view(bare_client, user, engine):  # noqa: F811
    login(bare_client)
    page = bare_client.get("/ui/search?q=kantoor&status=approved&sort=amount&dir=asc")
    assert "Nog geen bewaarde weergaven." in page.text
    token = csrf_of(page.text)
    saved = bare_client.post("/ui/search/views", data={"csrf_token": token, "view_name": "  Goedgekeurd  kantoor ",
                                                       "q": "kantoor", "status": "approved", "sort": "amount",
                                                       "dir": "asc"})
    assert saved.status_code == 200 and "Weergave bewaard." in saved.text
    [(query, name)] = _views(saved.text)
    assert name == "Goedgekeurd kantoor"
    assert parse_qs(query.replace("&amp;", "&")) == {"q": ["kantoor"], "status": ["approved"], "sort": ["amount"],
                                                     "dir": ["asc"]}
    assert urlsplit(str(saved.url)).query  # back on the list with the saved view's filters
    # the same name again replaces the query
    again = bare_client.post("/ui/search/views", data={"csrf_token": token, "view_name": "Goedgekeurd kantoor",
                                                       "status": "paid"})
    [(query, _)] = _views(again.text)
    assert parse_qs(query.replace("&amp;", "&")) == {"status": ["paid"]}  # newest first: the default
    refused = bare_client.post("/ui/search/views", data={"csrf_token": token, "view_name": "   "})
    assert "Niet bewaard" in refused.text and len(_views(refused.text)) == 1
    # another person sees none of them and cannot delete them
    view_id = again.text.split('action="/ui/search/views/', 1)[1].split("/delete", 1)[0]
    with Session(engine) as s:
        accounts.create_user(s, username="tweede", password=PASSWORD, display_name="Tweede")
        s.commit()
    bare_client.post("/ui/logout", data={"csrf_token": token}, follow_redirects=False)
    login(bare_client, "tweede")
    theirs = bare_client.get("/ui/search")
    assert _views(theirs.text) == []
    bare_client.post(f"/ui/search/views/{view_id}/delete", data={"csrf_token": csrf_of(theirs.text)})
    bare_client.post("/ui/logout", data={"csrf_token": csrf_of(theirs.text)}, follow_redirects=False)
    login(bare_client)
    mine = bare_client.get("/ui/search")
    assert len(_views(mine.text)) == 1
    deleted = bare_client.post(f"/ui/search/views/{view_id}/delete", data={"csrf_token": csrf_of(mine.text)})
    assert "Weergave verwijderd." in deleted.text and _views(deleted.text) == []
