"""The search's index on SQLite (FTS5 trigram, migration 0032): the same invoices as the part-of
LIKE match, kept in step with every write, filled for invoices stored before the migration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import and_, create_engine, select, text
from sqlmodel import Session

from service import invoice_search
from service.masterdata.identifiers import normalise
from service.migrations import upgrade
from service.models.base import metadata
from service.models.invoices import Invoice
from tests.workspace.factories import make_invoice

# (number, seller, order): mixed case, punctuation, LIKE wildcards and quotes taken literally
ROWS = [
    ("F-2026-001", "Bouwbedrijf De Vries B.V.", "PO-4711"),
    ("f-2026-002", "Drukkerij JANSEN", "po 4712"),
    ("100%_KLAAR", "Kantoor \"Het Anker\"", "PO_9000"),
    ("CN-77", "Jansen & Zn.", None),
    ("2026/0815", "École Dupont", "BESTELLING-815"),
    ("X-1", "Straße GmbH", "PO-47"),
]
WORDS = ["2026", "F-2026", "f-2026-00", "jansen", "JANSEN", "vries", "b.v.", "100%", "%_k", "_KL", "het",
         '"het', 'anker"', "po 4", "po-47", "4711", "BESTELLING", "0815", "zn.", "cn-77", "nothing", "77",
         "dupont", "raße", "x-1", "jansen 2026", "de vries 001", "po jansen"]


def _expected(word_query: str, rows: list[tuple[str, str, str | None, str]]) -> set[str]:
    """Every word in one of the four columns, compared as lower case (a Python oracle)."""
    found = set()
    for number, seller, order, key in rows:
        if all(any(w.lower() in (v or "").lower() for v in (number, seller, order))
               or (normalise(w) and normalise(w) in key) for w in word_query.split()):
            found.add(number)
    return found


def _found(session: Session, condition) -> set[str]:
    return set(session.exec(select(Invoice.invoice_number).where(condition)).scalars())


def _store(session: Session) -> list[tuple[str, str, str | None, str]]:
    stored = []
    for number, seller, order in ROWS:
        inv = make_invoice(session, number=number, seller=seller, purchase_order=order, amount=Decimal("1656.25"),
                           commit=False)
        stored.append((number, seller, order, inv.seller_key))
    session.commit()
    return stored


def test_the_search_finds_what_a_part_of_match_finds(session):
    stored = _store(session)
    sqlite = session.get_bind().dialect.name == "sqlite"
    assert invoice_search._fts_ready(session) == sqlite  # on SQLite the index is there and used
    for query in WORDS:
        found = _found(session, invoice_search.condition(session, query))
        assert found == _expected(query, stored), query
        # the plain LIKE form (what SQLite did before the index, what PostgreSQL's trigrams answer)
        plain = and_(*(invoice_search._word_condition(w, invoice_search._suppliers_of(session, w))
                       for w in invoice_search.words(query)))
        assert found == _found(session, plain), query


@pytest.mark.on_backend("sqlite")
def test_on_sqlite_the_index_also_folds_the_case_of_accented_letters(session):
    stored = _store(session)
    # lower() and LIKE on SQLite fold A-Z only; the index folds like PostgreSQL's lower()
    assert _found(session, invoice_search.condition(session, "école")) == _expected("école", stored) == {"2026/0815"}
    assert _found(session, invoice_search.condition(session, "STRASSE")) == set()


@pytest.mark.on_backend("sqlite")
def test_the_index_keeps_step_with_every_write(session):
    inv = make_invoice(session, number="K-1", seller="Eerste Leverancier", purchase_order="PO-OLD-1")
    assert _found(session, invoice_search.condition(session, "PO-OLD")) == {"K-1"}
    inv.purchase_order = "PO-NEW-2"
    inv.seller_name = "Tweede Leverancier"
    session.add(inv)
    session.commit()
    assert _found(session, invoice_search.condition(session, "PO-OLD")) == set()
    assert _found(session, invoice_search.condition(session, "po-new")) == {"K-1"}
    assert _found(session, invoice_search.condition(session, "tweede")) == {"K-1"}
    assert _found(session, invoice_search.condition(session, "eerste")) == set()
    for table in reversed(metadata.sorted_tables):  # the service keeps invoices; the tests' clean-up does not
        session.exec(table.delete())
    assert session.exec(text(f"SELECT count(*) FROM {invoice_search.FTS_TABLE}")).scalar_one() == 0
    session.rollback()


@pytest.mark.on_backend("sqlite")
def test_a_search_reads_the_index_not_every_invoice(session):
    for i in range(30):
        make_invoice(session, number=f"B-{i}", seller=f"Leverancier {i:03d}", commit=False)
    session.commit()
    query = select(Invoice.id).where(invoice_search.condition(session, "leverancier B-17"))
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = " | ".join(row[-1] for row in session.exec(text("EXPLAIN QUERY PLAN " + sql)))
    assert "VIRTUAL TABLE" in plan and "SCAN invoices" not in plan.replace("SCAN invoices USING", ""), plan
    assert session.exec(query).scalars().all() != []


@pytest.mark.on_backend("sqlite")
def test_a_nul_character_does_not_reach_the_index(session):
    # the API refuses U+0000 at its edge; a caller that does not gets the LIKE match, not an FTS5 error
    _store(session)
    for word in ("ja\x00nsen", "\x00\x00\x00"):
        assert invoice_search.fts_query(word) is None
        assert _found(session, invoice_search.condition(session, word)) == _found(
            session, invoice_search._word_condition(word, invoice_search._suppliers_of(session, word)))
        session.exec(select(Invoice.id).where(invoice_search.seller_name_contains(session, word))).all()


def test_a_word_the_index_cannot_answer_is_matched_as_before():
    assert invoice_search.fts_query("PO") is None  # under three characters
    assert invoice_search.fts_query("b.v") is None  # its compact form "BV" is
    assert invoice_search.fts_query('a"b') == '{invoice_number seller_name purchase_order} : "a""b" OR seller_key : "A""B"'


def test_the_migration_fills_the_index_for_invoices_stored_before_it(tmp_path):
    url = f"sqlite:///{tmp_path}/before.db"
    upgrade(url, "0031_search_trigram_indexes")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO invoices (id, status, sha256, media_type, size_bytes, document, invoice_number, seller_name,"
            " purchase_order, reasons, received_by, version, created_at, updated_at, invoice_response_required)"
            " VALUES ('00000000000000000000000000000001', 'received', 'x', 'application/xml', 1, x'00', 'OUD-2025-9',"
            " 'Oude Leverancier', 'PO-1', '[]', 'test', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)")
    upgrade(url)
    with Session(engine) as session:
        assert invoice_search._fts_ready(session)
        assert _found(session, invoice_search.condition(session, "oud-2025")) == {"OUD-2025-9"}
        assert _found(session, invoice_search.condition(session, "oude lever")) == {"OUD-2025-9"}
    engine.dispose()


def test_the_queue_supplier_filter_finds_what_a_part_of_match_finds(session):
    from service.ui import queue

    stored = _store(session)
    for text_ in ("jansen", "JANSEN", "drukkerij jan", "de vries b.v.", '"het', "b.v", "nothing", "ÉCOLE"):
        flt = queue.QueueFilter(supplier=text_)
        found = {inv.invoice_number for inv in queue.page(session, flt).rows}
        expected = {number for number, seller, _, _ in stored if text_.lower() in seller.lower()}
        assert found == expected, text_
    if session.get_bind().dialect.name == "sqlite":
        condition = invoice_search.seller_name_contains(session, "jansen")
        sql = str(select(Invoice.id).where(condition).compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        assert "invoice_search MATCH" in sql


def test_the_refill_migration_gives_every_invoice_its_amount_sort_key(tmp_path):
    url = f"sqlite:///{tmp_path}/keys.db"
    upgrade(url, "0036_staff_email_source")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO invoices (id, status, sha256, media_type, size_bytes, document, payable_amount, reasons,"
            " received_by, version, created_at, updated_at, invoice_response_required) VALUES"
            " ('00000000000000000000000000000002', 'received', 'y', 'application/xml', 1, x'00', '-12.345', '[]',"
            " 'test', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)")
    upgrade(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT payable_cents FROM invoices").scalar_one() == -1235
    engine.dispose()
