"""SVRL (Schematron Validation Report Language) output -> raw findings."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree

__all__ = ["SVRL_NS", "RawFinding", "parse_svrl", "short_location"]

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_FAILED = f"{{{SVRL_NS}}}failed-assert"
_REPORT = f"{{{SVRL_NS}}}successful-report"
_TEXT = f"{{{SVRL_NS}}}text"
_local = threading.local()  # lxml parsers are not thread-safe; the SVRL parser is trusted output


@dataclass(frozen=True, slots=True)
class RawFinding:
    """One ``svrl:failed-assert`` or ``svrl:successful-report`` as the rule set emitted it."""

    rule_id: str | None
    flag: str | None
    location: str
    test: str
    text: str
    kind: str = "assert"  # "assert" | "report"


def parse_svrl(svrl: str | bytes) -> list[RawFinding]:
    """Collect the failed asserts and successful reports of an SVRL document, in document order."""
    if isinstance(svrl, str):
        if "failed-assert" not in svrl and "successful-report" not in svrl:
            return []  # the common case (a valid document): nothing to parse
        svrl = svrl.encode("utf-8")
    elif b"failed-assert" not in svrl and b"successful-report" not in svrl:
        return []
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(svrl, parser=parser)
    findings: list[RawFinding] = []
    for el in root.iter(_FAILED, _REPORT):
        text_el = el.find(_TEXT)
        text = " ".join("".join(text_el.itertext()).split()) if text_el is not None else ""
        findings.append(
            RawFinding(
                rule_id=el.get("id"),
                flag=el.get("flag"),
                location=el.get("location", ""),
                test=el.get("test", ""),
                text=text,
                kind="assert" if el.tag == _FAILED else "report",
            )
        )
    return findings


_PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "ubl",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "cn",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
}
_STEP = re.compile(r"\*:([\w.\-]+)\[namespace-uri\(\)='([^']*)'\]")


def short_location(location: str) -> str:
    """Rewrite the ISO skeleton's ``*:Name[namespace-uri()='...']`` steps with the UBL prefixes.

    ``/*:Invoice[namespace-uri()='urn:...:Invoice-2'][1]/*:ID[namespace-uri()='urn:...:CommonBasicComponents-2'][1]``
    becomes ``/ubl:Invoice[1]/cbc:ID[1]``; steps in unknown namespaces are left unchanged.
    """

    def step(m: re.Match[str]) -> str:
        prefix = _PREFIXES.get(m.group(2))
        return f"{prefix}:{m.group(1)}" if prefix else m.group(0)

    return _STEP.sub(step, location)
