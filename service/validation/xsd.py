"""UBL 2.1 XSD layer: lxml for the fast path, xmlschema for precise diagnostics on failure."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from service.validation.caps import EXPLAIN_CPU_SECONDS, EXPLAIN_MAX_ELEMENTS, MAX_XSD_FINDINGS
from service.validation.report import Finding, Severity
from service.validation.xmlsafe import SAFE_OPTIONS

if TYPE_CHECKING:  # xmlschema (~20 MB) is imported only when a document fails the XSD
    import xmlschema

__all__ = ["UBL_DOCUMENTS", "XsdSchema", "cii_xsd_path", "compile_schemas", "ubl_namespace", "ubl_xsd_path"]

# UBL 2.1 document types the service reads (local name == XSD name part).
UBL_DOCUMENTS = (
    "Invoice",
    "CreditNote",
    "Order",
    "OrderResponse",
    "DespatchAdvice",
    "ReceiptAdvice",
    "ApplicationResponse",
)


_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
# Emptied as soon as read by the streaming check: lines hold nearly all of a large document.
_LINES = (f"{{{_CAC}}}InvoiceLine", f"{{{_CAC}}}CreditNoteLine")


def ubl_namespace(document: str) -> str:
    return f"urn:oasis:names:specification:ubl:schema:xsd:{document}-2"


def ubl_xsd_path(artifacts_dir: Path, document: str) -> Path:
    """Installed UBL 2.1 XSD of a document type (runtime ``xsdrt`` variant: same semantics, smaller)."""
    return artifacts_dir / "ubl-2.1" / "xsdrt" / "maindoc" / f"UBL-{document}-2.1.xsd"


def cii_xsd_path(artifacts_dir: Path) -> Path:
    """Installed UN/CEFACT Cross Industry Invoice D16B XSD (the subset EN 16931 publishes)."""
    return (artifacts_dir / "en16931" / "cii" / "schema" / "D16B SCRDM (Subset)" / "uncoupled clm" / "CII"
            / "uncefact" / "data" / "standard" / "CrossIndustryInvoice_100pD16B.xsd")


@dataclass(frozen=True, slots=True)
class XsdCheck:
    valid: bool
    findings: tuple[Finding, ...]
    omitted: int = 0  # errors not listed (caps.py)


def compile_schemas(paths: list[Path]) -> etree.XMLSchema:
    """One lxml schema of the UBL document schemas at ``paths``.

    Several document schemas compiled together share their common components (nearly all of
    each: the aggregate and basic components); Invoice and CreditNote together take 7 MB, apart
    14 MB. A document is validated as by its own schema: its root element selects its declaration.
    """
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    if len(paths) == 1:
        return etree.XMLSchema(etree.parse(str(paths[0]), parser=parser))
    xs = "http://www.w3.org/2001/XMLSchema"
    wrapper = etree.Element(f"{{{xs}}}schema", nsmap={"xs": xs})
    for path in paths:
        namespace = ubl_namespace(path.name.removeprefix("UBL-").removesuffix("-2.1.xsd"))
        etree.SubElement(wrapper, f"{{{xs}}}import", namespace=namespace,
                         schemaLocation=path.resolve().as_uri())
    return etree.XMLSchema(wrapper)


class XsdSchema:
    """One UBL document schema, compiled once with lxml (or given, compiled with others by
    ``compile_schemas``); xmlschema is compiled on first failure."""

    def __init__(self, path: Path, layer: str = "xsd", *, compiled: etree.XMLSchema | None = None) -> None:
        self.path = path
        self.layer = layer
        self._lxml = compiled if compiled is not None else compile_schemas([path])
        self._lock = threading.Lock()
        self._xmlschema: Any = None

    def diagnostics_schema(self) -> xmlschema.XMLSchema10:
        import xmlschema

        with self._lock:
            if self._xmlschema is None:
                self._xmlschema = xmlschema.XMLSchema10(str(self.path), allow="local")
            return self._xmlschema

    def stream_valid(self, data: bytes) -> etree._Element | None:
        """Parse and validate in one streaming pass, keeping only the document's header.

        For large documents: the lxml tree of a 5,000-line invoice takes ~50 MB, the streaming pass
        next to nothing, because every invoice or credit note line is emptied once it has been read
        and validated. Returns the root element (its children before the lines intact, the lines
        empty) when the document is well-formed, has no DOCTYPE and is valid; None otherwise: the
        caller then takes the tree path, which reports what is wrong exactly as for any document.
        """
        try:
            events = etree.iterparse(io.BytesIO(data), events=("end",), tag=_LINES, schema=self._lxml,
                                     **SAFE_OPTIONS)
            for _, line in events:
                line.clear(keep_tail=True)
        except etree.XMLSyntaxError:  # not well-formed or not valid (lxml raises both as this)
            return None
        root = events.root
        if root is None or root.getroottree().docinfo.doctype:
            return None
        return root

    def check(self, tree: etree._ElementTree) -> XsdCheck:
        """The verdict (libxml2) and the first errors explained (caps.py): by xmlschema on small
        documents, within a CPU budget, else in libxml2's words."""
        if self._lxml.validate(tree):
            return XsdCheck(True, ())
        errors = self._lxml.error_log
        total = len(errors)
        findings: tuple[Finding, ...] = ()
        if tree.getroot().xpath("count(//*)") <= EXPLAIN_MAX_ELEMENTS:
            try:
                findings = self._diagnose(tree)
            except Exception:  # noqa: BLE001 - never let the diagnostics engine hide the lxml verdict
                findings = ()
        if not findings:
            findings = tuple(
                Finding(
                    rule_id=None,
                    severity=Severity.fatal,
                    message=e.message,
                    location=e.path,
                    line=e.line,
                    layer=self.layer,
                )
                for e in errors[:MAX_XSD_FINDINGS]
            )
        return XsdCheck(False, findings, max(total - len(findings), 0))

    def _diagnose(self, tree: etree._ElementTree) -> tuple[Finding, ...]:
        schema = self.diagnostics_schema()
        findings = []
        stop_at = time.thread_time() + EXPLAIN_CPU_SECONDS
        for err in schema.iter_errors(tree):
            elem = err.elem
            location = err.path
            line = getattr(elem, "sourceline", None) if elem is not None else None
            child = getattr(err, "invalid_child", None)
            if child is not None and getattr(child, "sourceline", None):
                line = child.sourceline
                location = f"{err.path}/{_prefixed(child, err.namespaces)}"
            reason = err.reason or err.message
            expected = _expected(err)
            if expected and "expected" not in reason.lower():
                reason = f"{reason} Expected: {expected}."
            findings.append(
                Finding(
                    rule_id=None,
                    severity=Severity.fatal,
                    message=reason,
                    location=location,
                    line=line,
                    layer=self.layer,
                )
            )
            if len(findings) >= MAX_XSD_FINDINGS or time.thread_time() > stop_at:
                break
        findings.sort(key=lambda f: f.line or 0)
        return tuple(findings)


def _prefixed(elem: etree._Element, namespaces: Mapping[str, str] | None) -> str:
    qname = etree.QName(elem)
    for prefix, uri in (namespaces or {}).items():
        if uri == qname.namespace and prefix:
            return f"{prefix}:{qname.localname}"
    return elem.prefix + ":" + qname.localname if elem.prefix else qname.localname


def _expected(err: xmlschema.XMLSchemaValidationError) -> str | None:
    expected = getattr(err, "expected", None)
    if not expected:
        return None
    names = []
    for item in expected:
        name = getattr(item, "prefixed_name", None) or getattr(item, "name", None) or str(item)
        names.append(name)
    return ", ".join(names)
