"""Suppliers: create, replace, read, list, and resolve the supplier of an invoice.

Resolution never creates anything: a supplier and its bank accounts come from the ERP only.

Bank accounts (BT-84) are never set by one caller alone: ``create_supplier`` and ``replace_supplier``
leave them to the caller, which proposes the ERP's accounts for a second person to verify
(``service.approvals.bank_accounts.propose_synced``). Only the trusted initial import of the
command line (``einvoice import suppliers --bank-accounts-verified``) and the demo data pass
``accounts_verified=True`` and store them as verified.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, bindparam, literal_column, or_, tuple_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service import generations
from service.masterdata import identifiers as ids
from service.masterdata.codelists import CodeLists
from service.masterdata.common import (
    IdentifierTaken,
    SupplierNotFound,
    keyset_page,
    raise_invalid,
    record_event,
    validate_model,
)
from service.masterdata.payloads import SupplierIn, SupplierOut
from service.models.base import utcnow
from service.models.organisations import DEFAULT_ORGANISATION_ID
from service.models.approvals import BankAccountChange, BankAccountChangeStatus
from service.models.masterdata import (
    MasterDataEventKind,
    Supplier,
    SupplierBankAccount,
    SupplierIdentifier,
)
from service.models.matching import MatchPolicyVersion, supplier_policy_scope

__all__ = [
    "create_supplier",
    "get_supplier",
    "list_suppliers",
    "parse_supplier",
    "replace_supplier",
    "resolve_supplier",
    "supplier_out",
]


def parse_supplier(raw: Any, codelists: CodeLists | None) -> SupplierIn:
    """The checked supplier body, or InvalidInput listing every field error."""
    data, errors = validate_model(SupplierIn, raw, codelists)
    raise_invalid(errors, "supplier")
    assert data is not None  # raise_invalid raised otherwise
    return data


def _unique_identifiers(data: SupplierIn) -> list[tuple[str, str]]:
    return list(dict.fromkeys((i.scheme, i.value) for i in data.identifiers))


def _check_conflicts(session: Session, data: SupplierIn, own_id: uuid.UUID | None,
                     organisation_id: uuid.UUID) -> None:
    """Electronic address and legal (non-VAT) identifiers identify one supplier only within an
    organisation (another organisation keeps its own master data of the same supplier)."""
    if data.electronic_address is not None:
        other = session.exec(
            select(Supplier).where(
                Supplier.organisation_id == organisation_id,
                Supplier.electronic_address_scheme == data.electronic_address.scheme,
                Supplier.electronic_address_value == data.electronic_address.value,
            )
        ).first()
        if other is not None and other.id != own_id:
            raise IdentifierTaken(
                f"electronic address {data.electronic_address.scheme}:{data.electronic_address.value} "
                f"belongs to supplier {other.id}", supplier=f"/v1/suppliers/{other.id}",
            )
    legal = [(s, v) for s, v in _unique_identifiers(data) if s != ids.VAT]
    if legal:
        rows = session.exec(
            select(SupplierIdentifier).join(Supplier, Supplier.id == SupplierIdentifier.supplier_id).where(
                Supplier.organisation_id == organisation_id,
                tuple_(SupplierIdentifier.scheme, SupplierIdentifier.value).in_(legal),
            )
        ).all()
        for row in rows:
            if row.supplier_id != own_id:
                raise IdentifierTaken(
                    f"identifier {row.scheme}:{row.value} belongs to supplier {row.supplier_id}",
                    supplier=f"/v1/suppliers/{row.supplier_id}",
                )


def _policy(data: SupplierIn) -> dict[str, Any]:
    return data.policy.model_dump(mode="json", exclude_none=True)


def create_supplier(session: Session, data: SupplierIn, *, actor: str,
                    organisation_id: uuid.UUID = DEFAULT_ORGANISATION_ID,
                    accounts_verified: bool = False) -> Supplier:
    """A new supplier. Its bank accounts are stored only with ``accounts_verified`` (the trusted
    initial import); otherwise the caller proposes them (module docstring)."""
    _check_conflicts(session, data, None, organisation_id)
    supplier = Supplier(
        organisation_id=organisation_id,
        name=data.name,
        electronic_address_scheme=data.electronic_address.scheme if data.electronic_address else None,
        electronic_address_value=data.electronic_address.value if data.electronic_address else None,
        policy=_policy(data),
    )
    session.add(supplier)
    session.flush()
    for scheme, value in _unique_identifiers(data):
        session.add(SupplierIdentifier(supplier_id=supplier.id, scheme=scheme, value=value))
    if accounts_verified:
        for iban in dict.fromkeys(b.iban for b in data.bank_accounts):
            session.add(SupplierBankAccount(supplier_id=supplier.id, iban=iban))
    record_event(session, MasterDataEventKind.supplier_created, actor=actor, supplier_id=supplier.id)
    _record_policy_version(session, supplier, actor)
    session.flush()
    return supplier


def replace_supplier(session: Session, supplier_id: uuid.UUID, data: SupplierIn, *,
                     actor: str, accounts_verified: bool = False) -> tuple[Supplier, bool]:
    """PUT semantics: the body replaces name, identifiers, address, policy and, only with
    ``accounts_verified`` (the trusted initial import), the bank accounts. (supplier, changed)."""
    supplier = get_supplier(session, supplier_id, for_update=True)
    _check_conflicts(session, data, supplier.id, supplier.organisation_id)
    changed: list[str] = []
    address = (data.electronic_address.scheme, data.electronic_address.value) if data.electronic_address else (None, None)
    if supplier.name != data.name:
        supplier.name = data.name
        changed.append("name")
    if (supplier.electronic_address_scheme, supplier.electronic_address_value) != address:
        supplier.electronic_address_scheme, supplier.electronic_address_value = address
        changed.append("electronic_address")
    if supplier.policy != _policy(data):
        supplier.policy = _policy(data)
        changed.append("policy")

    wanted_ids = set(_unique_identifiers(data))
    current_ids = {(r.scheme, r.value): r for r in _identifiers_of(session, [supplier.id])[supplier.id]}
    if set(current_ids) != wanted_ids:
        changed.append("identifiers")
        for key, row in current_ids.items():
            if key not in wanted_ids:
                session.delete(row)
        for scheme, value in wanted_ids - set(current_ids):
            session.add(SupplierIdentifier(supplier_id=supplier.id, scheme=scheme, value=value))

    wanted_ibans = {b.iban for b in data.bank_accounts}
    current_ibans = {r.iban: r for r in _accounts_of(session, [supplier.id])[supplier.id]}
    if accounts_verified and set(current_ibans) != wanted_ibans:
        changed.append("bank_accounts")
        for iban, account in current_ibans.items():
            if iban not in wanted_ibans:
                session.delete(account)
        for iban in wanted_ibans - set(current_ibans):
            session.add(SupplierBankAccount(supplier_id=supplier.id, iban=iban))

    if changed:
        supplier.version += 1
        supplier.updated_at = utcnow()
        session.add(supplier)
        record_event(session, MasterDataEventKind.supplier_updated, actor=actor, supplier_id=supplier.id,
                     data={"changed": changed, "version": supplier.version})
        if "policy" in changed:
            _record_policy_version(session, supplier, actor)
        session.flush()
    return supplier, bool(changed)


def _record_policy_version(session: Session, supplier: Supplier, actor: str) -> None:
    """Every change of a supplier's matching-policy overrides is a version of its own, recorded with
    its author when the supplier is saved; decisions name the version they used (and only read)."""
    scope = supplier_policy_scope(supplier.id)
    latest = session.exec(select(MatchPolicyVersion).where(MatchPolicyVersion.scope == scope)
                          .order_by(col(MatchPolicyVersion.version).desc()).limit(1)).first()
    settings = dict(supplier.policy or {})
    if (latest is None and not settings) or (latest is not None and latest.settings == settings):
        return  # a supplier that never had overrides, or no change
    session.add(MatchPolicyVersion(scope=scope, version=latest.version + 1 if latest else 1, settings=settings,
                                   created_by=actor))
    generations.forget(session)  # the next read of the generation flushes this row first


def get_supplier(session: Session, supplier_id: uuid.UUID, *, for_update: bool = False) -> Supplier:
    query = select(Supplier).where(Supplier.id == supplier_id)
    if for_update:
        query = query.with_for_update()
    supplier = session.exec(query).first()
    if supplier is None:
        raise SupplierNotFound(f"no supplier with id {supplier_id}")
    return supplier


def list_suppliers(
    session: Session, *, cursor: str | None, limit: int, identifier: str | None = None,
    organisation_id: uuid.UUID | None = None,
) -> tuple[list[Supplier], str | None]:
    """A page of suppliers (of one organisation when ``organisation_id`` is given)."""
    query = select(Supplier)
    if organisation_id is not None:
        query = query.where(Supplier.organisation_id == organisation_id)
    if identifier:
        scheme, _, value = identifier.partition(":")
        if not value:
            scheme, value = "", scheme
        org = {"organisation_id": organisation_id}
        found = resolve_supplier(session, electronic_address=None,
                                 identifiers=[(scheme or None, value)], vat_id=None, **org)
        if found is None and (not scheme or scheme.upper() == ids.VAT):
            found = resolve_supplier(session, electronic_address=None, identifiers=[], vat_id=value, **org)
        if found is None:
            found = resolve_supplier(session, electronic_address=(scheme or None, value),
                                     identifiers=[], vat_id=None, **org)
        query = query.where(Supplier.id == (found.id if found else uuid.UUID(int=0)))
    rows, next_cursor = keyset_page(session, query, Supplier, cursor, limit)
    return rows, next_cursor


def _identifiers_of(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SupplierIdentifier]]:
    out: dict[uuid.UUID, list[SupplierIdentifier]] = defaultdict(list)
    if supplier_ids:
        rows = session.exec(
            select(SupplierIdentifier).where(col(SupplierIdentifier.supplier_id).in_(list(supplier_ids)))
        ).all()
        for row in sorted(rows, key=lambda r: (r.scheme, r.value)):
            out[row.supplier_id].append(row)
    return out


def _accounts_of(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SupplierBankAccount]]:
    out: dict[uuid.UUID, list[SupplierBankAccount]] = defaultdict(list)
    if supplier_ids:
        rows = session.exec(
            select(SupplierBankAccount).where(col(SupplierBankAccount.supplier_id).in_(list(supplier_ids)))
        ).all()
        for row in sorted(rows, key=lambda r: r.iban):
            out[row.supplier_id].append(row)
    return out


def _pending_of(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[BankAccountChange]]:
    out: dict[uuid.UUID, list[BankAccountChange]] = defaultdict(list)
    if supplier_ids:
        rows = session.exec(select(BankAccountChange).where(
            col(BankAccountChange.supplier_id).in_(list(supplier_ids)),
            BankAccountChange.status == BankAccountChangeStatus.proposed)).all()
        for row in sorted(rows, key=lambda r: (r.iban, r.proposed_at)):
            out[row.supplier_id].append(row)
    return out


def supplier_out(session: Session, suppliers: Iterable[Supplier]) -> list[SupplierOut]:
    suppliers = list(suppliers)
    keys = [s.id for s in suppliers]
    idents, accounts = _identifiers_of(session, keys), _accounts_of(session, keys)
    pending = _pending_of(session, keys)
    return [
        SupplierOut(
            id=s.id, name=s.name,
            identifiers=[{"scheme": i.scheme, "value": i.value} for i in idents[s.id]],
            electronic_address=(
                {"scheme": s.electronic_address_scheme, "value": s.electronic_address_value}
                if s.electronic_address_value else None
            ),
            bank_accounts=[{"iban": a.iban} for a in accounts[s.id]],
            pending_bank_accounts=[{"change_id": c.id, "iban": c.iban, "action": c.action.value,
                                    "proposed_by": c.proposed_by, "proposed_at": c.proposed_at, "note": c.note}
                                   for c in pending[s.id]],
            policy=dict(s.policy or {}), version=s.version, created_at=s.created_at, updated_at=s.updated_at,
        )
        for s in suppliers
    ]


# --- resolution ------------------------------------------------------------------------------------


def _one(session: Session, supplier_ids: set[uuid.UUID]) -> Supplier | None:
    return session.get(Supplier, next(iter(supplier_ids))) if len(supplier_ids) == 1 else None


def resolve_supplier(
    session: Session,
    *,
    electronic_address: tuple[str | None, str] | None,
    identifiers: list[tuple[str | None, str]],
    vat_id: str | None,
    organisation_id: uuid.UUID | None = None,
) -> Supplier | None:
    """The supplier an invoice's seller is, or None (``SUPPLIER_UNKNOWN``). Read-only.

    With ``organisation_id``, only that organisation's suppliers count (each organisation keeps
    its own master data of a supplier that delivers to several).

    Tried in order, the first step that finds anything decides:
    1. BT-34 electronic address (scheme + value; a None scheme matches any scheme);
    2. legal identifiers BT-29/BT-30 (scheme None: any non-VAT scheme); the electronic address also
       counts here when its scheme is an identifier scheme (0106, 0190, 0088, ...);
    3. BT-31 VAT id (identifiers with scheme "VAT" count as VAT ids too).
    A step that finds two different suppliers answers None: ambiguity is never guessed away.
    """
    vat_values: set[str] = set()
    if vat_id and vat_id.strip():
        vat_values.add(ids.normalise(vat_id))

    # 1. electronic address
    address: tuple[str, str] | None = None
    if electronic_address and electronic_address[1] and electronic_address[1].strip():
        address_scheme = (electronic_address[0] or "").strip().upper()
        address = (address_scheme, ids.normalise_address(address_scheme, electronic_address[1]))
        # counted in step 2 too; step 2's answer only matters when step 1 found nothing
        identifiers = [*identifiers, (address_scheme or None, electronic_address[1])]

    # 2. legal identifiers
    exact: list[tuple[str, str]] = []
    any_scheme: list[str] = []
    for scheme, value in identifiers:
        if not value or not value.strip():
            continue
        scheme_n = (scheme or "").strip().upper()
        value_n = ids.normalise(value)
        if scheme_n == ids.VAT:
            vat_values.add(value_n)
        elif scheme_n:
            exact.append((scheme_n, value_n))
        else:
            any_scheme.append(value_n)
    if address is None and not exact and not any_scheme and not vat_values:
        return None

    # the three steps in one statement (one round trip); an empty step matches nothing
    params: dict[str, Any] = {"value": address[1] if address else None, "scheme": address[0] if address else "",
                              "exact": exact, "any_scheme": any_scheme, "vat": ids.VAT, "values": sorted(vat_values)}
    if organisation_id is not None:
        params["org"] = organisation_id
    found: dict[int, set[uuid.UUID]] = {_ADDRESS: set(), _IDENTIFIER: set(), _VAT: set()}
    for supplier_id, step in session.connection().execute(_RESOLVE[organisation_id is not None], params):
        found[step].add(supplier_id)
    for step in (_ADDRESS, _IDENTIFIER, _VAT):  # the first step that finds anything decides
        if found[step]:
            return _one(session, found[step])
    return None


# Resolution runs for every submitted invoice: its statements are built once (building and keying
# a statement costs more than running it against the indexes) and run on the session's connection.
_S, _I = Supplier.__table__, SupplierIdentifier.__table__
_BY_ADDRESS = sa_select(_S.c.id).where(
    _S.c.electronic_address_value == bindparam("value"),
    or_(bindparam("scheme") == "", _S.c.electronic_address_scheme == bindparam("scheme")),
)
_BY_IDENTIFIER = sa_select(_I.c.supplier_id).where(
    _I.c.scheme != bindparam("vat"),
    or_(tuple_(_I.c.scheme, _I.c.value).in_(bindparam("exact", expanding=True)),
        _I.c.value.in_(bindparam("any_scheme", expanding=True))),
)
_BY_VAT = sa_select(_I.c.supplier_id).where(
    _I.c.scheme == bindparam("vat"), _I.c.value.in_(bindparam("values", expanding=True))
)


# the same look-ups among one organisation's suppliers
_OF_ORGANISATION = sa_select(_S.c.id).where(_S.c.organisation_id == bindparam("org"))
_IN_ORGANISATION = {
    _BY_ADDRESS: _BY_ADDRESS.where(_S.c.organisation_id == bindparam("org")),
    _BY_IDENTIFIER: _BY_IDENTIFIER.where(_I.c.supplier_id.in_(_OF_ORGANISATION)),
    _BY_VAT: _BY_VAT.where(_I.c.supplier_id.in_(_OF_ORGANISATION)),
}


_ADDRESS, _IDENTIFIER, _VAT = 1, 2, 3  # the steps of resolve_supplier, in order


def _steps(statements: tuple[Any, Any, Any]) -> Any:
    return union_all(*(statement.add_columns(literal_column(str(step), Integer).label("step"))
                       for step, statement in zip((_ADDRESS, _IDENTIFIER, _VAT), statements, strict=True)))


_RESOLVE = {  # by whether one organisation's suppliers count
    False: _steps((_BY_ADDRESS, _BY_IDENTIFIER, _BY_VAT)),
    True: _steps((_IN_ORGANISATION[_BY_ADDRESS], _IN_ORGANISATION[_BY_IDENTIFIER], _IN_ORGANISATION[_BY_VAT])),
}
