"""Policy versions: recorded when master data saves a supplier (and by the migration for suppliers
saved before); a decision only reads them."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, func, select, text
from sqlmodel import Session

from service.db import normalise_url
from service.decisions.policy import UNRECORDED, effective_policy
from service.masterdata.payloads import SupplierIn
from service.masterdata.suppliers import create_supplier, replace_supplier
from service.migrations import upgrade
from service.models.matching import MatchPolicyVersion, supplier_policy_scope


def _versions(session: Session, supplier_id: uuid.UUID) -> list[tuple[int, dict, str]]:
    rows = session.exec(select(MatchPolicyVersion).where(MatchPolicyVersion.scope == supplier_policy_scope(supplier_id))
                        .order_by(MatchPolicyVersion.version)).scalars().all()
    return [(r.version, r.settings, r.created_by) for r in rows]


def test_saving_a_supplier_records_each_change_of_its_overrides(engine):
    with Session(engine) as s:
        supplier = create_supplier(s, SupplierIn(name="Zonder B.V."), actor="key:erp1")
        assert _versions(s, supplier.id) == []  # never had overrides: nothing to record
        _, changed = replace_supplier(s, supplier.id, SupplierIn(name="Zonder B.V.", policy={"price_over_pct": "5"}),
                                      actor="user:anna")
        assert changed
        _, changed = replace_supplier(s, supplier.id, SupplierIn(name="Zonder B.V.", policy={"price_over_pct": "5"}),
                                      actor="user:piet")
        assert not changed  # the same body: no new version
        replace_supplier(s, supplier.id, SupplierIn(name="Zonder B.V."), actor="user:piet")
        assert _versions(s, supplier.id) == [(1, {"price_over_pct": "5"}, "user:anna"), (2, {}, "user:piet")]
        s.rollback()


def test_effective_policy_reads_and_never_writes(engine):
    with Session(engine) as s:
        supplier = create_supplier(s, SupplierIn(name="Met B.V.", policy={"total_abs": "2.50"}), actor="key:erp1")
        s.flush()
        count = s.exec(select(func.count()).select_from(MatchPolicyVersion)).scalar_one()
        policy = effective_policy(s, supplier.id, {"total_abs": "2.50"})
        assert policy.version == f"global:0+supplier:{supplier.id}:1" and str(policy.total_abs) == "2.50"
        # overrides nobody recorded (written around master data): said so, still applied, nothing written
        policy = effective_policy(s, supplier.id, {"total_abs": "3"})
        assert policy.version == f"global:0+supplier:{supplier.id}:{UNRECORDED}" and str(policy.total_abs) == "3"
        assert s.exec(select(func.count()).select_from(MatchPolicyVersion)).scalar_one() == count
        s.rollback()


def test_migration_records_the_overrides_of_suppliers_saved_before(tmp_path):
    url = f"sqlite:///{tmp_path / 'policy.db'}"
    upgrade(url, "0008_oidc_sign_in")
    engine = create_engine(normalise_url(url))
    plain, with_policy, recorded = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        for sid, policy in ((plain, "{}"), (with_policy, '{"price_over_pct": "4"}'),
                            (recorded, '{"total_abs": "2"}')):
            conn.execute(text("INSERT INTO suppliers (id, name, policy, version, created_at, updated_at) "
                              "VALUES (:id, 'S', :policy, 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"),
                         {"id": sid.hex, "policy": policy})
        conn.execute(text("INSERT INTO match_policy_versions (id, scope, version, settings, created_by, created_at) "
                          "VALUES (:id, :scope, 1, '{\"total_abs\": \"2\"}', 'system', '2026-11-02 00:00:00')"),
                     {"id": uuid.uuid4().hex, "scope": f"supplier:{recorded}"})
    upgrade(url)
    with Session(engine) as s:
        assert _versions(s, plain) == []
        assert _versions(s, with_policy) == [(1, {"price_over_pct": "4"}, "migration:0009")]
        assert _versions(s, recorded) == [(1, {"total_abs": "2"}, "system")]
    engine.dispose()
