"""Hostile XML (KoSIT-style evil documents made here): a clear 400, nothing stored, bounded time and memory."""

from __future__ import annotations


import pytest
from sqlmodel import select

from service.intake.guard import MAX_DEPTH, HostileDocument, MalformedDocument, parse_untrusted
from service.models.invoices import AuditEvent, Invoice
from tests.conftest import MIRROR
from tests.security.measure import cpu_and_memory, cpu_budget

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def billion_laughs() -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    return DECL + b"<!DOCTYPE lolz [" + entities + b"]><lolz>&lol9;</lolz>"


def quadratic_blowup() -> bytes:
    # 100 kB entity referenced 10 000 times: ~1 GB if expanded, 1 MB on the wire
    return DECL + b'<!DOCTYPE q [<!ENTITY a "' + b"A" * 100_000 + b'">]><q>' + b"&a;" * 10_000 + b"</q>"


def xxe_file() -> bytes:
    return DECL + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


def xxe_parameter_entity() -> bytes:
    return DECL + b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><x/>'


def external_dtd() -> bytes:
    return DECL + b'<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/ubl.dtd">' + BASE[BASE.index(b"<Invoice"):]


def doctype_in_an_invoice() -> bytes:
    return DECL + b"<!doctype Invoice>" + BASE[BASE.index(b"<Invoice"):]


def deep_nesting(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


def utf16_with_doctype() -> bytes:
    return '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>'.encode("utf-16")


def utf16_invoice() -> bytes:
    return BASE.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")


def declared_other_encoding() -> bytes:
    return BASE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')


def invalid_utf8() -> bytes:
    return BASE.replace(b"SupplierTradingName", b"Supplier\xff\xfeTradingName")


HOSTILE = {
    "billion-laughs": (billion_laughs, "doctype"),
    "quadratic-blowup": (quadratic_blowup, "doctype"),
    "xxe-file": (xxe_file, "doctype"),
    "xxe-parameter-entity": (xxe_parameter_entity, "doctype"),
    "external-dtd": (external_dtd, "doctype"),
    "doctype-in-invoice": (doctype_in_an_invoice, "doctype"),
    "deep-nesting-100000": (lambda: deep_nesting(100_000), "depth"),
    "deep-nesting-just-over-limit": (lambda: deep_nesting(MAX_DEPTH + 1), "depth"),
    "utf16-with-doctype": (utf16_with_doctype, "encoding"),
    "utf16-invoice": (utf16_invoice, "encoding"),
    "declared-latin1": (declared_other_encoding, "encoding"),
}


def _bounded(fn):
    """Run fn; return (result_or_exception, CPU seconds of this process, peak RSS growth in MB).
    CPU, not wall time: the machine the suite runs on is shared (tests/security/measure.py)."""
    return cpu_and_memory(fn)


@pytest.mark.parametrize("name", HOSTILE)
def test_guard_refuses_hostile_documents_quickly_and_without_memory_growth(name):
    make, reason = HOSTILE[name]
    data = make()
    result, elapsed, grown_mb = _bounded(lambda: parse_untrusted(data))
    assert isinstance(result, HostileDocument), result
    assert result.extensions["reason"] == reason
    assert elapsed < cpu_budget(0.5), f"{name} took {elapsed:.3f}s of CPU"
    assert grown_mb < 50, f"{name} grew the process by {grown_mb:.0f} MB"


def test_nesting_at_the_limit_is_fine():
    parse_untrusted(deep_nesting(MAX_DEPTH))


def test_invalid_utf8_is_not_well_formed():
    result, elapsed, _ = _bounded(lambda: parse_untrusted(invalid_utf8()))
    assert isinstance(result, MalformedDocument) and elapsed < cpu_budget(0.5)
    assert result.extensions["reason_code"] == "NOT_WELL_FORMED"


def test_bom_prefixed_utf8_is_fine():
    parse_untrusted(b"\xef\xbb\xbf" + BASE)


@pytest.mark.parametrize("name", HOSTILE)
def test_api_answers_400_and_stores_nothing(name, client, make_key, session):
    make, reason = HOSTILE[name]
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    r, elapsed, grown_mb = _bounded(lambda: client.post("/v1/invoices", content=make(), headers=headers))
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["type"] == "/problems/unsafe-xml" and problem["reason"] == reason
    assert "root:" not in r.text  # no file content ever leaks
    assert elapsed < cpu_budget(2.0) and grown_mb < 50
    assert session.exec(select(Invoice)).all() == [] and session.exec(select(AuditEvent)).all() == []


def test_api_invalid_encoding_400(client, make_key, session):
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    r = client.post("/v1/invoices", content=invalid_utf8(), headers=headers)
    assert r.status_code == 400 and r.json()["type"] == "/problems/not-well-formed"
    assert session.exec(select(Invoice)).all() == []
