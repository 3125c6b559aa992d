"""API keys and roles: 401 for missing/unknown/revoked keys, 403 for the wrong role."""

from sqlmodel import select

from service.models.keys import ApiKey


class TestAuthentication:
    def test_missing_key_is_401_problem(self, bare_client):
        r = bare_client.get("/v1/keys")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "/problems/unauthorized"
        assert r.headers["www-authenticate"].startswith("Bearer")

    def test_unknown_key_is_401(self, bare_client):
        r = bare_client.get("/v1/keys", headers={"Authorization": "Bearer ei_000000000000_nope"})
        assert r.status_code == 401

    def test_wrong_secret_for_existing_prefix_is_401(self, bare_client, make_key):
        good = make_key("admin")["Authorization"]
        forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        assert bare_client.get("/v1/keys", headers={"Authorization": forged}).status_code == 401

    def test_revoked_key_stops_working(self, bare_client, make_key):
        admin = make_key("admin")
        victim = make_key("erp", name="victim")
        keys = bare_client.get("/v1/keys", headers=admin).json()["data"]
        victim_id = next(k["id"] for k in keys if k["name"] == "victim")
        assert bare_client.delete(f"/v1/keys/{victim_id}", headers=admin).status_code == 200
        assert bare_client.get("/v1/keys", headers=victim).status_code == 401

    def test_wrong_role_is_403_problem(self, bare_client, make_key):
        r = bare_client.get("/v1/keys", headers=make_key("reviewer"))
        assert r.status_code == 403
        assert r.json()["type"] == "/problems/forbidden"


class TestKeysApi:
    def test_created_key_is_shown_once_and_only_its_hash_is_stored(self, bare_client, make_key, session):
        r = bare_client.post("/v1/keys", json={"role": "erp", "name": "SAP"}, headers=make_key("admin"))
        assert r.status_code == 201
        clear = r.json()["key"]
        assert clear.startswith("ei_")
        listed = bare_client.get("/v1/keys", headers=make_key("admin")).json()["data"]
        assert all("key" not in k for k in listed)
        stored = session.exec(select(ApiKey).where(ApiKey.name == "SAP")).one()
        assert clear not in (stored.secret_hash, stored.prefix)
        assert bare_client.get("/v1/keys", headers={"Authorization": f"Bearer {clear}"}).status_code == 403

    def test_supplier_key_without_supplier_is_422(self, bare_client, make_key):
        r = bare_client.post("/v1/keys", json={"role": "supplier"}, headers=make_key("admin"))
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "supplier_id"]
