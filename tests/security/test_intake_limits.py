"""Intake limits: each limit refuses a document over it with its own problem, quickly and with
bounded memory, before anything is validated or stored; documents within them (a 5,000-line
invoice too) pass. Time is measured as CPU time of this process (the machine is shared)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select
from tests.security.documents import (
    BASE,
    lines,
    long_attribute,
    long_note,
    many_attributes,
    many_elements,
    many_namespaces,
    numbered,
    with_attachments,
)
from tests.security.measure import cpu_and_memory, cpu_budget

from service.intake.guard import parse_untrusted
from service.intake.limits import (
    AttachmentsTooLarge,
    AttachmentTooLarge,
    DocumentLimits,
    TextTooLong,
    TooManyAttachments,
    TooManyAttributes,
    TooManyElements,
    TooManyNamespaces,
    decoded_size,
    element_bound,
    element_count_of_plain_markup,
)
from service.models.invoices import AuditEvent, Invoice, InvoiceAttachment

MIB = 1024 * 1024
DEFAULTS = DocumentLimits()

# (document, the error it must raise under the default limits)
OVER = {
    "elements": (lambda: many_elements(DEFAULTS.elements + 1), TooManyElements),
    "attributes": (lambda: many_attributes(2_000), TooManyAttributes),
    "namespaces": (lambda: many_namespaces(DEFAULTS.namespace_declarations + 1), TooManyNamespaces),
    "text": (lambda: long_note(DEFAULTS.text_chars + 1), TextTooLong),
    "attribute-value": (lambda: long_attribute(DEFAULTS.text_chars + 1), TextTooLong),
    "attachment-count": (lambda: with_attachments([100] * (DEFAULTS.attachments + 1)), TooManyAttachments),
    "attachment-size": (lambda: with_attachments([DEFAULTS.attachment_bytes + 1]), AttachmentTooLarge),
    "attachments-total": (lambda: with_attachments([7 * MIB // 2, 7 * MIB // 2 + 1]), AttachmentsTooLarge),
}


@pytest.mark.parametrize("name", OVER)
def test_each_limit_refuses_with_its_own_problem(name):
    make, error = OVER[name]
    data = make()
    result, cpu, grown_mb = cpu_and_memory(lambda: parse_untrusted(data))
    assert type(result) is error, result
    problem = result.to_problem()
    assert problem["type"] == f"/problems/{error.slug}" and problem["status"] in (413, 422)
    assert problem["setting"].startswith("EINVOICE_MAX_") and problem["limit"] > 0
    assert problem["setting"] in problem["detail"]
    budget = cpu_budget(1.0)
    assert cpu < budget, f"{name}: {cpu:.2f} s of CPU"
    assert grown_mb < 100, f"{name}: peak memory grew by {grown_mb:.0f} MB"


def test_elements_are_counted_while_parsing_so_a_flood_is_never_built_whole():
    # 10 MB of <x/>: 2.6 million elements, some 300 MB as a tree; refused after the first 200,000
    flood = many_elements(10 * MIB // 4)
    result, cpu, grown_mb = cpu_and_memory(lambda: parse_untrusted(flood))
    assert isinstance(result, TooManyElements)
    assert grown_mb < 100, f"the tree grew the process by {grown_mb:.0f} MB"
    assert cpu < cpu_budget(1.0)


def test_the_base_example_passes_limits_set_exactly_to_what_it_has():
    tree = parse_untrusted(BASE)
    root = tree.getroot()
    elements = sum(1 for _ in root.iter("*"))
    exact = DocumentLimits(
        elements=elements,
        attributes_per_element=max(len(e.attrib) for e in root.iter("*")),
        namespace_declarations=len(root.nsmap),
        text_chars=max(len((e.text or "").strip()) for e in root.iter("*")),
        attachments=0,
    )
    parse_untrusted(BASE, exact)
    with pytest.raises(TooManyElements):
        parse_untrusted(BASE.replace(b"</Invoice>", b"<x/></Invoice>"), exact)
    with pytest.raises(TooManyNamespaces):
        parse_untrusted(many_namespaces(1), exact)
    with pytest.raises(TooManyAttachments):
        parse_untrusted(with_attachments([10]), dataclasses.replace(exact, elements=elements + 5, attributes_per_element=2))


def test_an_exceeded_limit_says_where():
    with pytest.raises(TooManyAttributes) as caught:
        parse_untrusted(many_attributes(20))
    problem = caught.value.to_problem()
    assert problem["line"] == 4  # libxml2 gives the line where the (three-line) start tag ends
    assert "Invoice has 20 attributes" in problem["detail"]
    assert problem["limit"] == 16 and problem["setting"] == "EINVOICE_MAX_ATTRIBUTES_PER_ELEMENT"


def test_the_element_bound_is_an_upper_bound():
    for doc in (BASE, many_elements(50), with_attachments([10, 20])):
        assert element_bound(doc) >= sum(1 for _ in parse_untrusted(doc).getroot().iter("*"))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 1001, 1002])
def test_decoded_size_of_base64_is_exact(size):
    import base64

    encoded = base64.encodebytes(b"x" * size).decode()  # with line breaks every 76 characters
    assert decoded_size(encoded) == size


def test_a_5000_line_invoice_is_within_the_default_limits():
    doc = lines(5000)
    assert len(doc) < 10 * MIB
    result, cpu, _ = cpu_and_memory(lambda: parse_untrusted(doc))
    assert not isinstance(result, Exception), result
    assert cpu < cpu_budget()


# -- over HTTP ---------------------------------------------------------------------------------------
@pytest.fixture
def gateway(make_key):
    return {**make_key("gateway"), "Content-Type": "application/xml"}


def nothing_stored(session) -> bool:
    return (session.exec(select(Invoice)).all() == [] and session.exec(select(AuditEvent)).all() == []
            and session.exec(select(InvoiceAttachment)).all() == [])


@pytest.mark.parametrize("name", OVER)
def test_api_answers_the_limits_problem_and_stores_nothing(name, client, gateway, session):
    make, error = OVER[name]
    r = client.post("/v1/invoices", content=make(), headers=gateway)
    assert r.status_code == error.status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == f"/problems/{error.slug}"
    assert nothing_stored(session)


def test_api_body_over_the_size_limit_is_413(client, gateway, session):
    r = client.post("/v1/invoices", content=BASE + b" " * (10 * MIB), headers=gateway)
    assert r.status_code == 413 and r.json()["type"] == "/problems/payload-too-large"
    assert r.json()["limit"] == 10 * MIB
    assert nothing_stored(session)


def test_api_limits_come_from_the_settings(app, client, gateway, session):
    app.state.settings = app.state.settings.model_copy(update={"max_attachments": 1})
    r = client.post("/v1/invoices", content=with_attachments([10, 10]), headers=gateway)
    assert r.status_code == 422 and r.json()["type"] == "/problems/too-many-attachments"
    assert r.json()["limit"] == 1
    r = client.post("/v1/invoices", content=numbered(with_attachments([10]), "ONE-ATTACHMENT"), headers=gateway)
    assert r.status_code == 201, r.text


@pytest.mark.slow
def test_api_accepts_a_5000_line_invoice(client, gateway):
    r = client.post("/v1/invoices", content=lines(5000), headers=gateway)
    assert r.status_code == 201, r.text[:2000]
    assert r.json()["status"] in ("approved", "needs_review")


def test_the_count_read_off_the_bytes_is_exact_for_markup_without_comments():
    # The fast refusal trusts this count: for a well-formed document without comments, CDATA or
    # processing instructions it must equal the parser's, or a legitimate invoice could be refused.
    for doc in (BASE, many_elements(50), with_attachments([10, 20]), lines(30), many_namespaces(3)):
        parsed = sum(1 for _ in parse_untrusted(doc).getroot().iter("*"))
        assert element_count_of_plain_markup(doc) == parsed


def test_elements_written_inside_a_comment_or_cdata_are_not_counted():
    hidden = b"<x/>" * (DEFAULTS.elements + 1)
    for wrapped in (b"<!--" + hidden + b"-->", b"<![CDATA[" + hidden + b"]]>"):
        doc = BASE.replace(b"<cbc:CustomizationID>", wrapped + b"<cbc:CustomizationID>", 1)
        assert element_count_of_plain_markup(doc) is None  # the parser counts these
        parse_untrusted(doc, dataclasses.replace(DEFAULTS, text_chars=len(hidden) + 20))


def test_both_ways_of_counting_name_the_same_line_for_the_first_element_over_the_limit():
    body = b"\n".join([b"<x/>"] * 40)
    plain = BASE.replace(b"<cbc:CustomizationID>", b"<cbc:Note>" + body + b"</cbc:Note><cbc:CustomizationID>", 1)
    commented = plain.replace(b"<cbc:Note>", b"<!-- c --><cbc:Note>", 1)
    small = dataclasses.replace(DEFAULTS, elements=sum(1 for _ in parse_untrusted(BASE).getroot().iter("*")) + 10)
    lines_named = []
    for doc in (plain, commented):
        with pytest.raises(TooManyElements) as caught:
            parse_untrusted(doc, small)
        lines_named.append(caught.value.to_problem()["line"])
    assert lines_named[0] == lines_named[1] is not None
