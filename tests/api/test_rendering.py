"""GET /v1/invoices/{id}/rendering and the workspace's document view with PDF previews: readable,
escaped, script-free; a real PDF previewed inline, a hostile "PDF" never."""

from __future__ import annotations

import base64
import re

import pytest
from lxml import html as lxml_html

from tests.api.test_invoices import BASE, with_number
from tests.pdfs import plain_pdf
from tests.workspace.test_pages import login, user  # noqa: F401  (fixture)

XML = {"Content-Type": "application/xml"}
HOSTILE = b"<html><body><script>document.title='owned'</script></body></html>"


def with_attachments(doc: bytes, *attachments: tuple[str, str, bytes]) -> bytes:
    refs = b"".join(
        b"<cac:AdditionalDocumentReference><cbc:ID>" + name.encode() + b"</cbc:ID><cac:Attachment>"
        b'<cbc:EmbeddedDocumentBinaryObject mimeCode="' + mime.encode() + b'" filename="' + name.encode() + b'">'
        + base64.b64encode(content) + b"</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
        b"</cac:AdditionalDocumentReference>" for name, mime, content in attachments)
    return doc.replace(b"<cac:AccountingSupplierParty>", refs + b"<cac:AccountingSupplierParty>", 1)


def with_note(doc: bytes, note: str) -> bytes:
    return doc.replace(b"<cbc:DocumentCurrencyCode>", f"<cbc:Note>{note}</cbc:Note><cbc:DocumentCurrencyCode>".encode(), 1)


@pytest.fixture
def posted(client, make_key):
    headers = {**make_key("gateway"), **XML}
    doc = with_attachments(with_note(with_number(BASE, "R-2026-7"), "&lt;script&gt;alert(1)&lt;/script&gt; levering week 48"),
                           ("hours.pdf", "application/pdf", plain_pdf()), ("evil.pdf", "application/pdf", HOSTILE))
    r = client.post("/v1/invoices", content=doc, headers=headers)
    assert r.status_code == 201, r.text
    return headers, r.json()["id"]


def test_rendering_is_readable_html_with_terms_and_linked_attachments(client, posted):
    headers, invoice_id = posted
    r = client.get(f"/v1/invoices/{invoice_id}/rendering", headers={**headers, "Accept-Language": "en-GB,en;q=0.9"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = lxml_html.fromstring(r.text)
    assert page.xpath("string(//h2[@id='r-title'])") == "Invoice R-2026-7"
    text = page.text_content()
    for expected in ("Invoice number (BT-1)", "SupplierOfficialName Ltd", "Buyer Official Name", "Amount due (BT-115)",
                     "1,656.25", "VAT breakdown (BG-23)", "UBL 2.1"):
        assert expected in text, expected
    assert page.xpath("//a/@href")[:2] == [f"/v1/invoices/{invoice_id}/attachments/1",
                                           f"/v1/invoices/{invoice_id}/attachments/2"]


def test_rendering_in_dutch_by_default(client, posted):
    headers, invoice_id = posted
    text = client.get(f"/v1/invoices/{invoice_id}/rendering", headers=headers).text
    assert "Factuur R-2026-7" in text and "Te betalen (BT-115)" in text and "1.656,25" in text
    assert "Invoice number" in client.get(f"/v1/invoices/{invoice_id}/rendering?lang=en", headers=headers).text


def test_rendering_escapes_the_suppliers_text_and_runs_nothing(client, posted):
    headers, invoice_id = posted
    r = client.get(f"/v1/invoices/{invoice_id}/rendering", headers=headers)
    assert "<script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt; levering week 48" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    import base64 as b64
    import hashlib

    assert f"'sha256-{b64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/v1/invoices/{invoice_id}/rendering", headers={**headers, "If-None-Match": r.headers["etag"]}).status_code == 304


def test_rendering_of_a_rejected_or_unknown_invoice_is_a_problem(client, make_key):
    headers = {**make_key("gateway"), **XML}
    bad = with_number(BASE, "BAD").replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                                           b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')
    rejected = client.post("/v1/invoices", content=bad, headers=headers).json()["invoice"]["id"]
    r = client.get(f"/v1/invoices/{rejected}/rendering", headers=headers)
    assert r.status_code == 404 and r.json()["type"].endswith("/problems/no-invoice-data")
    r = client.get("/v1/invoices/00000000-0000-0000-0000-000000000000/rendering", headers=headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_workspace_shows_the_rendering_and_previews_only_the_real_pdf(bare_client, client, posted, user):  # noqa: F811
    _, invoice_id = posted
    login(bare_client)
    invoice_page = bare_client.get(f"/ui/invoices/{invoice_id}").text
    assert f'href="/ui/invoices/{invoice_id}/rendering"' in invoice_page
    page = bare_client.get(f"/ui/invoices/{invoice_id}/rendering")
    assert page.status_code == 200 and "Factuur R-2026-7" in page.text
    assert f'<iframe src="/ui/invoices/{invoice_id}/attachments/1/preview"' in page.text
    assert "attachments/2/preview" not in page.text  # the hostile "PDF" gets no preview

    pdf = bare_client.get(f"/ui/invoices/{invoice_id}/attachments/1/preview")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["content-disposition"] == "inline"
    assert "default-src 'none'" in pdf.headers["content-security-policy"]
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"

    hostile = bare_client.get(f"/ui/invoices/{invoice_id}/attachments/2/preview")
    assert hostile.status_code == 404 and "owned" not in hostile.text
    download = bare_client.get(f"/ui/invoices/{invoice_id}/attachments/2")
    assert download.headers["content-type"] == "application/octet-stream"  # never text/html, never a PDF
    assert download.headers["content-disposition"].startswith("attachment")


def _units(html: str) -> list[str]:
    page = lxml_html.fromstring(html)
    return [" ".join(td.text_content().split()) for td in page.xpath("//table[@class='r-lines']/tbody/tr/td[4]")]


def test_units_are_named_as_on_the_invoice_page(bare_client, client, posted, user):  # noqa: F811
    headers, invoice_id = posted  # both lines several days (UN/ECE Rec 20 code DAY): the plural
    assert _units(client.get(f"/v1/invoices/{invoice_id}/rendering?lang=nl", headers=headers).text) == ["dagen (DAY)"] * 2
    assert _units(client.get(f"/v1/invoices/{invoice_id}/rendering?lang=en", headers=headers).text) == ["days (DAY)"] * 2
    login(bare_client)
    assert _units(bare_client.get(f"/ui/invoices/{invoice_id}/rendering").text) == ["dagen (DAY)"] * 2


def test_a_cii_invoice_is_rendered_too(client, make_key):
    from decimal import Decimal

    from tests.api.test_cii_intake import SELLER
    from tests.cii_builder import CiiLine, cii_invoice

    headers = {**make_key("gateway"), **XML}
    xml = cii_invoice("F-CII-9", [CiiLine("1", "Bureaustoel", Decimal(5), Decimal("150.00"), "10")], po="PO-CII-9", **SELLER)
    r = client.post("/v1/invoices", content=xml, headers=headers)
    assert r.status_code == 201, r.text
    page = client.get(f"/v1/invoices/{r.json()['id']}/rendering?lang=nl", headers=headers)
    assert page.status_code == 200
    text = lxml_html.fromstring(page.text).text_content()
    for expected in ("Factuur F-CII-9", "UN/CEFACT CII", "Kantoor B.V.", "Bureaustoel", "PO-CII-9", "NL91ABNA0417164300"):
        assert expected in text, expected
