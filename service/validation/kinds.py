"""What a document is, by its root element: an invoice (UBL, CII, in an envelope) or something else.

Bulk validation (``einvoice validate DIR``) reports files that are no invoice at all (code lists,
orders, despatch advices, invoice responses, stylesheets) as "not an invoice", apart from invoices
that are invalid or of an unsupported specification.
"""

from __future__ import annotations

__all__ = ["INVOICE_ROOTS", "describe", "is_invoice_root"]

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
SBD = "{http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader}StandardBusinessDocument"
INVOICE_ROOTS = frozenset({
    f"{{{_UBL}Invoice-2}}Invoice",
    f"{{{_UBL}CreditNote-2}}CreditNote",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice",
    SBD,  # an envelope: its payload decides
})

_KNOWN = {
    "{urn:fdc:difi.no:2017:vefa:structure:CodeList-1}CodeList": "code list (Peppol)",
    "{http://docs.oasis-open.org/codelist/ns/genericode/1.0/}CodeList": "code list (genericode)",
    f"{{{_UBL}ApplicationResponse-2}}ApplicationResponse": "UBL ApplicationResponse (invoice or message response)",
    "{http://www.w3.org/1999/XSL/Transform}stylesheet": "XSLT stylesheet",
    "{http://www.w3.org/1999/XSL/Transform}transform": "XSLT stylesheet",
    "{http://www.w3.org/1999/XSL/Transform}function": "XSLT fragment",
    "{http://purl.oclc.org/dsdl/schematron}schema": "Schematron schema",
    "{http://www.w3.org/2001/XMLSchema}schema": "XML Schema (XSD)",
    "{http://www.w3.org/2000/svg}svg": "SVG image",
}


def is_invoice_root(root: str | None) -> bool:
    return root in INVOICE_ROOTS


def describe(root: str | None) -> str:
    """A short, readable name of what a root element says a document is."""
    if root is None:
        return "unknown"
    if root in _KNOWN:
        return _KNOWN[root]
    if root.startswith("{" + _UBL):
        return f"UBL {root.rsplit('}', 1)[1]}"
    if root.startswith("{"):
        namespace, local = root[1:].split("}", 1)
        return f"{local} ({namespace})"
    return root
