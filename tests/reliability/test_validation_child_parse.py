"""The validation child parses a valid invoice into its EN 16931 model and sends it back with the
report (service/validation_process.py): the worker gets exactly ``parse_document``'s model, or its
``DocumentError``, for every example of the artefacts (UBL and CII), inside a Peppol envelope and a
Factur-X PDF too; whenever the child sends none, the worker parses as before."""

from __future__ import annotations

import copyreg
import io
import os
import pickle
from decimal import Decimal

import pytest
from tests.en16931.examples import example_documents
from tests.pdfs import hybrid_pdf
from tests.sbdh import wrap
from tests.security.documents import BASE, numbered

from service.en16931 import parser as en16931_parser
from service.en16931.model import DocumentType
from service.en16931.parser import DocumentError, parse_document
from service.intake.unwrap import unwrap
from service.validation.memory import LARGE_DOCUMENT_BYTES
from service.validation_process import ChildReport, _Frames, _ModelUnpickler, parse_invoice

pytestmark = pytest.mark.slow

EXAMPLES = example_documents(("Invoice", "CreditNote", "CrossIndustryInvoice"))


def outcome(parse, invoice):
    """What parsing ``invoice`` gives: the model with its attachment bytes (left out of its repr),
    or the DocumentError's term and words."""
    try:
        model = parse(invoice)
    except DocumentError as exc:
        return ("DocumentError", exc.term, str(exc))
    return (model, repr(model), [a.content for a in model.attachments])


def the_workers_and_the_childs(child, body: bytes, media_type: str = "application/xml"):
    unwrapped = unwrap(body, media_type)
    report = child.validate(unwrapped.xml)
    if not report.valid or unwrapped.invoice is None:
        return None
    # a large document keeps the engine's streaming: the worker parses it
    assert bool(report._parsed) is (len(unwrapped.xml) < LARGE_DOCUMENT_BYTES), "a model where none was due"
    return outcome(parse_document, unwrapped.invoice), outcome(lambda tree: parse_invoice(report, tree),
                                                               unwrapped.invoice)


def test_the_childs_model_is_parse_documents_for_every_example(child):
    compared = []
    for path in EXAMPLES:
        both = the_workers_and_the_childs(child, path.read_bytes())
        if both is not None:
            theirs, ours = both
            assert ours == theirs, path
            compared.append(path)
    cii = [p for p in compared if "/cii/" in p.as_posix()]
    assert len(compared) >= 40 and cii and len(cii) < len(compared), [p.name for p in compared]


def test_the_childs_model_of_an_envelopes_and_a_pdfs_invoice(child):
    for body, media_type in ((wrap(numbered(BASE, "IN-ENVELOPE")), "application/xml"),
                             (hybrid_pdf(numbered(BASE, "IN-PDF")), "application/pdf")):
        both = the_workers_and_the_childs(child, body, media_type)
        assert both is not None, media_type
        theirs, ours = both
        assert ours == theirs


def test_an_invalid_document_comes_without_a_model(child):
    broken = BASE.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">', b'<cbc:TaxInclusiveAmount currencyID="EUR">1', 1)
    report = child.validate(broken)
    assert not report.valid and report._parsed == b""
    assert child.validate(numbered(BASE, "AFTER-INVALID"))._parsed  # the frames stay in step


def test_the_worker_does_not_parse_what_the_child_parsed(child, client, make_key, app, monkeypatch):
    def not_here(root):
        raise AssertionError("parsed in the worker")

    app.state.validation = child
    monkeypatch.setattr(en16931_parser, "_parse_document", not_here)
    r = client.post("/v1/invoices", content=numbered(BASE, "PARSED-IN-CHILD"),
                    headers={**make_key("gateway"), "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text


def test_a_document_error_from_the_child_is_the_parsers():
    report = ChildReport(b'{"outcome": "valid", "document": {}, "release": null}',
                         pickle.dumps(DocumentError("BT-1 is missing", "BT-1")))
    with pytest.raises(DocumentError) as raised:
        parse_invoice(report, None)
    assert (raised.value.term, str(raised.value)) == ("BT-1", "BT-1 is missing")


def test_without_a_model_frame_the_worker_parses():
    report = ChildReport(b'{"outcome": "valid", "document": {}, "release": null}', b"")
    assert parse_invoice(report, BASE) == parse_document(BASE)


def test_the_worker_unpickles_nothing_but_a_model():
    with pytest.raises(pickle.UnpicklingError, match="not part of a parsed model"):
        _ModelUnpickler(io.BytesIO(pickle.dumps(os.system))).load()
    model = parse_document(BASE)
    assert _ModelUnpickler(io.BytesIO(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))).load() == model


def test_the_worker_unpickles_enum_members_pickled_by_name_and_no_other_getattr():
    """Python 3.11.2 (Debian's, the Docker image's) pickles a StrEnum member as getattr(class, name),
    3.11.7 by value: the worker takes both forms, and getattr for nothing but an enum's member."""
    model = parse_document(BASE)
    by_name = io.BytesIO()
    pickler = pickle.Pickler(by_name, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, DocumentType: lambda member: (getattr, (DocumentType, member.name))}
    pickler.dump(model)
    assert b"getattr" in by_name.getvalue()
    assert _ModelUnpickler(io.BytesIO(by_name.getvalue())).load() == model
    for reach in ((Decimal, "__class__"), (DocumentType, "__class__"), (DocumentType, "mro"), (DocumentType, "nothing")):
        with pytest.raises(pickle.UnpicklingError, match="not part of a parsed model"):
            _ModelUnpickler(io.BytesIO(pickle.dumps(_Getattr(*reach)))).load()


class _Getattr:
    """Pickles as the call ``getattr(owner, name)``."""

    def __init__(self, owner, name):
        self.call = (getattr, (owner, name))

    def __reduce__(self):
        return self.call


def test_a_child_that_ends_before_its_model_is_replaced_and_the_worker_parses(child, monkeypatch):
    """The report came; the model never does (the child died): this document is not lost for it."""
    read_end, write_end = os.pipe()
    os.close(write_end)
    events = []
    monkeypatch.setattr(child, "_frames", _Frames(read_end))
    monkeypatch.setattr(child, "close", lambda: events.append("close"))
    monkeypatch.setattr(child, "_spawn", lambda: events.append("spawn"))
    try:
        assert child._parsed() == b"" and events == ["close", "spawn"]  # empty: the worker parses
    finally:
        os.close(read_end)
