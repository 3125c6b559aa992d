"""Schematron rule-set runners over one Saxon processor: official compiled XSLT, or our own compile.

Both return a ``RuleSetOutput`` of raw SVRL findings plus the dynamic error that stopped the
transform, if any (the SI-UBL 2.0 stylesheet raises XPTY0004 on some documents): the engine turns
that into a rejecting finding, never into a crash or a "valid".
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode

from service.validation.svrl import RawFinding, parse_svrl

__all__ = ["RuleSetOutput", "RuleSetRunner", "XsltRuleSet", "SchRuleSet"]


@dataclass(frozen=True, slots=True)
class RuleSetOutput:
    findings: list[Any] = field(default_factory=list)  # RawFinding-shaped objects
    error: str | None = None


class RuleSetRunner(Protocol):
    def run(self, node: PyXdmNode, tree: etree._ElementTree | None = None, *,
            schema_valid: bool = False) -> RuleSetOutput:
        """``tree``: the same document parsed by lxml, when the caller still has it;
        ``schema_valid``: the document passed the UBL 2.1 XSD layer."""

    def release_document(self, placeholder: PyXdmNode) -> None:
        """Hold ``placeholder`` instead of the last document run (so a large one can be collected)."""


def _error_text(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


class XsltRuleSet:
    """An official compiled Schematron stylesheet (EN 16931, SI-UBL 2.0) producing SVRL."""

    def __init__(self, processor: PySaxonProcessor, path: Path) -> None:
        self.path = path
        xslt = processor.new_xslt30_processor()
        try:
            self._executable = xslt.compile_stylesheet(stylesheet_file=str(path))
        except PySaxonApiError as exc:
            raise RuntimeError(f"cannot compile {path}: {_error_text(exc)}") from exc
        if self._executable is None:  # older saxonche reported errors through the processor
            raise RuntimeError(f"cannot compile {path}")

    def run(self, node: PyXdmNode, tree: etree._ElementTree | None = None, *,
            schema_valid: bool = False) -> RuleSetOutput:
        try:
            svrl = self._executable.transform_to_string(xdm_node=node)
        except PySaxonApiError as exc:
            return RuleSetOutput([], _error_text(exc))
        if not svrl:
            return RuleSetOutput([], "the stylesheet produced no SVRL output")
        findings: list[RawFinding] = parse_svrl(svrl)
        return RuleSetOutput(findings, None)

    def release_document(self, placeholder: PyXdmNode) -> None:
        self._executable.set_global_context_item(xdm_item=placeholder)


class SchRuleSet:
    """A Schematron source compiled by ``service.validation.schematron`` (helper H1's compiler)."""

    def __init__(
        self, processor: PySaxonProcessor, path: Path, cache_dir: Path | None, *, name: str
    ) -> None:
        from service.validation import schematron  # imported lazily: optional until it lands

        self.path = path
        cache = cache_dir or Path(tempfile.gettempdir()) / "einvoice-schematron-cache"
        self._impl = schematron.SchematronRuleSet.load(processor, path, cache, name=name)

    def run(self, node: PyXdmNode, tree: etree._ElementTree | None = None, *,
            schema_valid: bool = False) -> RuleSetOutput:
        result = self._impl.run(node, tree, schema_valid=schema_valid)
        return RuleSetOutput(list(result.findings), getattr(result, "error", None))

    def release_document(self, placeholder: PyXdmNode) -> None:
        self._impl.release_document(placeholder)
