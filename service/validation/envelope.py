"""The Peppol business message envelope (SBDH, ``StandardBusinessDocument``) around a billing document.

Access points such as Oxalis or phase4 hand documents over in their envelope. ``open_envelope``
reads it and checks what the Peppol Envelope Specification asks of it (header version, one
sender and one receiver participant identifier in the ``iso6523-actorid-upis`` form, the document
identification matching the payload, the DOCUMENTID / PROCESSID / COUNTRY_C1 scopes, exactly one
payload), each failed check a ``Finding`` with a stable id (``SBDH-...``). The Peppol envelope
rules BR-SBDH-1..4 (Schematron, from the Peppol release in force) are run by the engine
(``ValidationEngine.validate_envelope``). Pure: lxml only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from service.validation.report import Finding, Severity

__all__ = ["SBD", "SBDH_NS", "Envelope", "EnvelopeError", "is_envelope", "open_envelope", "participant"]

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
SBD = f"{{{SBDH_NS}}}StandardBusinessDocument"
AUTHORITY = "iso6523-actorid-upis"
_H = f"{{{SBDH_NS}}}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
_CII_CONTEXT = ("{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}ExchangedDocumentContext",
                "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}")


class EnvelopeError(ValueError):
    """The envelope cannot be opened at all (no payload to validate): ``findings`` say why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f"{f.rule_id}: {f.message}" for f in findings))
        self.findings = findings


@dataclass(frozen=True)
class Envelope:
    """What the envelope says; ``findings`` are its failed checks (empty when it is sound)."""

    sender: str | None  # "0106:12345678" (scheme:value, as in the SBDH)
    receiver: str | None
    document_type: str | None  # the DOCUMENTID scope: Peppol document type identifier
    process: str | None  # the PROCESSID scope: Peppol process identifier
    instance_identifier: str | None  # DocumentIdentification/InstanceIdentifier: unique per message
    created_at: datetime | None
    country_c1: str | None
    payload: bytes  # the enveloped document, serialised on its own
    payload_root: etree._Element = field(repr=False)
    findings: tuple[Finding, ...] = ()

    @property
    def sound(self) -> bool:
        return not any(f.severity is Severity.fatal for f in self.findings)


def is_envelope(root: etree._Element) -> bool:
    return root.tag == SBD


def invoice_of(tree: etree._ElementTree) -> tuple[Envelope | None, etree._ElementTree | None]:
    """The invoice a document carries, as the intake parses it: the document itself (no envelope),
    or the payload of its Peppol envelope with the envelope; no invoice when the envelope cannot be
    opened (the engine reports the same findings)."""
    root = tree.getroot()
    if not is_envelope(root):
        return None, tree
    try:
        envelope = open_envelope(root)
    except EnvelopeError:
        return None, None
    return envelope, etree.ElementTree(envelope.payload_root)


def participant(identifier: str | None) -> tuple[str, str] | None:
    """("0190", "000...") from "0190:000..." (a Peppol participant identifier value)."""
    if not identifier or ":" not in identifier:
        return None
    scheme, value = identifier.split(":", 1)
    return (scheme.strip(), value.strip()) if scheme.strip() and value.strip() else None


def _finding(rule_id: str, message: str, location: str) -> Finding:
    return Finding(rule_id=rule_id, severity=Severity.fatal, message=message, location=location, layer="envelope")


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return " ".join(el.text.split()) or None


def open_envelope(root: etree._Element) -> Envelope:
    """Read and check a ``StandardBusinessDocument``. Raises ``EnvelopeError`` when there is no
    single payload element to validate; otherwise returns the envelope with its failed checks."""
    header = root.find(f"{_H}StandardBusinessDocumentHeader")
    payloads = [el for el in root if isinstance(el.tag, str) and el is not header]
    if header is None:
        raise EnvelopeError([_finding("SBDH-HEADER", "The envelope has no StandardBusinessDocumentHeader.",
                                      "/StandardBusinessDocument")])
    if len(payloads) != 1:
        raise EnvelopeError([_finding(
            "SBDH-PAYLOAD", f"The envelope must hold exactly one business document after its header; it holds "
            f"{len(payloads)}.", "/StandardBusinessDocument")])
    payload_root = payloads[0]
    findings: list[Finding] = []
    hdr = "/StandardBusinessDocument/StandardBusinessDocumentHeader"

    if _text(header.find(f"{_H}HeaderVersion")) != "1.0":
        findings.append(_finding("SBDH-HEADER-VERSION", "HeaderVersion must be 1.0.", f"{hdr}/HeaderVersion"))

    def party(role: str) -> str | None:
        ids = header.findall(f"{_H}{role}/{_H}Identifier")
        if len(header.findall(f"{_H}{role}")) != 1 or len(ids) != 1:
            findings.append(_finding(f"SBDH-{role.upper()}", f"The envelope must name exactly one {role} with one "
                                     "Identifier.", f"{hdr}/{role}"))
            return _text(ids[0]) if ids else None
        value = _text(ids[0])
        if ids[0].get("Authority") != AUTHORITY:
            findings.append(_finding(f"SBDH-{role.upper()}-AUTHORITY", f"{role}/Identifier/@Authority must be "
                                     f"'{AUTHORITY}'.", f"{hdr}/{role}/Identifier"))
        if participant(value) is None:
            findings.append(_finding(f"SBDH-{role.upper()}-ID", f"{role}/Identifier must be a participant identifier "
                                     f"'scheme:value' (e.g. 0190:00000000000000000001); found {value!r}.",
                                     f"{hdr}/{role}/Identifier"))
        return value

    sender, receiver = party("Sender"), party("Receiver")

    ident = header.find(f"{_H}DocumentIdentification")
    loc = f"{hdr}/DocumentIdentification"
    standard = _text(ident.find(f"{_H}Standard")) if ident is not None else None
    doc_type = _text(ident.find(f"{_H}Type")) if ident is not None else None
    instance = _text(ident.find(f"{_H}InstanceIdentifier")) if ident is not None else None
    created_text = _text(ident.find(f"{_H}CreationDateAndTime")) if ident is not None else None
    namespace, local = etree.QName(payload_root).namespace, etree.QName(payload_root).localname
    if ident is None:
        findings.append(_finding("SBDH-DOCUMENT-IDENTIFICATION", "DocumentIdentification is missing.", loc))
    else:
        if standard != namespace:
            findings.append(_finding("SBDH-STANDARD", f"DocumentIdentification/Standard must be the namespace of the "
                                     f"business document ({namespace}); found {standard!r}.", f"{loc}/Standard"))
        if doc_type != local:
            findings.append(_finding("SBDH-TYPE", f"DocumentIdentification/Type must be the business document's "
                                     f"element name ({local}); found {doc_type!r}.", f"{loc}/Type"))
        if not _text(ident.find(f"{_H}TypeVersion")):
            findings.append(_finding("SBDH-TYPE-VERSION", "DocumentIdentification/TypeVersion is missing.",
                                     f"{loc}/TypeVersion"))
        if not instance:
            findings.append(_finding("SBDH-INSTANCE-IDENTIFIER", "DocumentIdentification/InstanceIdentifier (the "
                                     "message's unique identifier) is missing.", f"{loc}/InstanceIdentifier"))
        elif len(instance) > 200:
            findings.append(_finding("SBDH-INSTANCE-IDENTIFIER", "DocumentIdentification/InstanceIdentifier is "
                                     "longer than 200 characters.", f"{loc}/InstanceIdentifier"))
    created = None
    if created_text:
        try:
            created = datetime.fromisoformat(created_text.replace("Z", "+00:00"))
        except ValueError:
            findings.append(_finding("SBDH-CREATION-TIME", f"CreationDateAndTime is not a date and time: "
                                     f"{created_text!r}.", f"{loc}/CreationDateAndTime"))
    elif ident is not None:
        findings.append(_finding("SBDH-CREATION-TIME", "DocumentIdentification/CreationDateAndTime is missing.",
                                 f"{loc}/CreationDateAndTime"))

    scopes: dict[str, list[str | None]] = {}
    for scope in header.findall(f"{_H}BusinessScope/{_H}Scope"):
        scopes.setdefault(_text(scope.find(f"{_H}Type")) or "", []).append(_text(scope.find(f"{_H}InstanceIdentifier")))
    sloc = f"{hdr}/BusinessScope"
    values: dict[str, str | None] = {}
    for kind in ("DOCUMENTID", "PROCESSID", "COUNTRY_C1"):
        found = scopes.get(kind, [])
        if len(found) != 1 or not found[0]:
            findings.append(_finding(f"SBDH-SCOPE-{kind}", f"BusinessScope must have exactly one {kind} scope with an "
                                     f"InstanceIdentifier; found {len(found)}.", sloc))
        values[kind] = found[0] if found else None

    customization, profile = _payload_ids(payload_root)
    document_type = values["DOCUMENTID"]
    if document_type and customization:
        expected = f"{namespace}::{local}##{customization}::"
        if not document_type.startswith(expected):
            findings.append(_finding("SBDH-DOCUMENTID", f"The DOCUMENTID scope ({document_type}) does not name the "
                                     f"enveloped document ({expected}<version>).", sloc))
    if values["PROCESSID"] and profile and values["PROCESSID"] != profile:
        findings.append(_finding("SBDH-PROCESSID", f"The PROCESSID scope ({values['PROCESSID']}) differs from the "
                                 f"document's business process BT-23 ({profile}).", sloc))
    country = values["COUNTRY_C1"]
    if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
        findings.append(_finding("SBDH-COUNTRY_C1", f"COUNTRY_C1 must be an ISO 3166-1 alpha-2 code; found "
                                 f"{country!r}.", sloc))

    payload = etree.tostring(payload_root, xml_declaration=True, encoding="UTF-8")
    return Envelope(
        sender=sender, receiver=receiver, document_type=document_type, process=values["PROCESSID"],
        instance_identifier=instance, created_at=created, country_c1=country, payload=payload,
        payload_root=payload_root, findings=tuple(findings),
    )


def _payload_ids(root: etree._Element) -> tuple[str | None, str | None]:
    """BT-24 and BT-23 of the enveloped document (UBL or CII)."""
    if root.find(f"{_CBC}CustomizationID") is not None:
        return _text(root.find(f"{_CBC}CustomizationID")), _text(root.find(f"{_CBC}ProfileID"))
    context, ram = _CII_CONTEXT
    return (_text(root.find(f"{context}/{ram}GuidelineSpecifiedDocumentContextParameter/{ram}ID")),
            _text(root.find(f"{context}/{ram}BusinessProcessSpecifiedDocumentContextParameter/{ram}ID")))
