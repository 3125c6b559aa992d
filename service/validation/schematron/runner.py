"""Run a compiled Schematron stylesheet (ours or an official one) with saxonche."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from lxml import etree

from service.validation.svrl import RawFinding, parse_svrl

from .absence import PyTrie, present, python_trie
from .closed_world import PARAM as SCHEMA_VALID_PARAM
from .compiler import GIVEN_TRIES_MARK, SCHEMA_VALID_PARAM_NAME, compile_schematron_cached

__all__ = ["RuleSetResult", "SchematronRuleSet"]

_ERR_NS = "urn:einvoice:schematron:error"

# Imports the rule set's stylesheet and runs its root template inside xsl:try, so that a dynamic
# error (e.g. XPTY0004) comes back as data with its error code instead of an exception (and
# without Saxon printing it to stderr). Works for official ISO-skeleton stylesheets and ours.
_WRAPPER = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:err="http://www.w3.org/2005/xqt-errors" xmlns:e="{ns}" exclude-result-prefixes="err">
  <xsl:import href={href}/>
  <xsl:template match="/" priority="1000">
    <xsl:try>
      <xsl:apply-imports/>
      <xsl:catch>
        <e:dynamic-error code="{{local-name-from-QName($err:code)}}" description="{{$err:description}}"/>
      </xsl:catch>
    </xsl:try>
  </xsl:template>
</xsl:stylesheet>
"""


@dataclass(slots=True)
class RuleSetResult:
    """Outcome of one rule set on one document.

    ``failed`` holds every failed assert and successful report (``findings`` is an alias);
    ``error`` is the caught dynamic error (e.g. ``XPTY0004 ...``) when the transform stopped,
    in which case ``failed`` is empty and the document must be treated as rejected.
    """

    name: str
    failed: list[RawFinding] = field(default_factory=list)
    error: str | None = None
    duration_ms: float = 0.0
    # True when the fast (select) stylesheet raised and the document was re-run through the
    # skeleton-style template walk (whose answer, findings or error, is then the result).
    used_fallback: bool = False

    @property
    def findings(self) -> list[RawFinding]:
        return self.failed


class SchematronRuleSet:
    """A compiled XSLT executable for one rule set. Not thread-safe: one per process/thread.

    The processor is shared (``saxonche.PySaxonProcessor``, one per process) and passed in.
    """

    def __init__(self, name: str, executable: Any, xsl_path: Path,
                 fallback: Callable[[], SchematronRuleSet] | None = None, processor: Any = None):
        self.name = name
        self.xsl_path = xsl_path
        self._exe = executable
        self._fallback_factory = fallback
        self._fallback: SchematronRuleSet | None = None
        self._processor = processor
        text = Path(xsl_path).read_text(encoding="utf-8") if processor is not None else ""
        # absence walks on the document element that the lxml tree can answer (absence.present)
        self._given = given_tries(text)
        # contexts selected faster on documents the UBL XSD accepted (closed_world.py)
        self._reads_schema_valid = f'name="{SCHEMA_VALID_PARAM}"' in text

    @staticmethod
    def _compile(xsl_path: Path, processor: Any) -> Any:
        xslt = processor.new_xslt30_processor()
        wrapper = _WRAPPER.format(ns=_ERR_NS, href=quoteattr(Path(xsl_path).resolve().as_uri()))
        exe = xslt.compile_stylesheet(stylesheet_text=wrapper)
        if exe is None:  # older saxonche reported errors through the processor
            raise RuntimeError(f"cannot compile {xsl_path}: {getattr(xslt, 'error_message', '')}")
        return exe

    @classmethod
    def from_xslt(cls, xsl_path: Path, *, name: str, processor: Any,
                  fallback_xsl: Callable[[], Path] | None = None) -> SchematronRuleSet:
        """Compile an XSLT (our output or an official ISO-skeleton stylesheet) once.

        ``fallback_xsl`` returns (on first need) the stylesheet to re-run a document with when
        this one raises a dynamic error; it is compiled lazily, then kept.
        """
        fallback = None
        if fallback_xsl is not None:
            def fallback() -> SchematronRuleSet:
                return cls.from_xslt(fallback_xsl(), name=name, processor=processor)
        return cls(name, cls._compile(Path(xsl_path), processor), Path(xsl_path), fallback, processor)

    def prepare_fallback(self) -> None:
        """Compile the fallback now (else on the first document that needs it)."""
        if self._fallback is None and self._fallback_factory is not None:
            self._fallback = self._fallback_factory()

    @classmethod
    def load(
        cls, processor: Any, sch_path: Path, cache_dir: Path, *, name: str | None = None, phase: str | None = None
    ) -> SchematronRuleSet:
        """Compile ``sch_path`` (cached by source SHA-256) and load it; its skeleton-style
        template walk is the (lazily compiled) fallback."""
        xsl = compile_schematron_cached(Path(sch_path), Path(cache_dir), phase=phase)

        def walk() -> Path:
            return compile_schematron_cached(Path(sch_path), Path(cache_dir), phase=phase, strategy="templates")

        return cls.from_xslt(xsl, name=name or Path(sch_path).stem, processor=processor, fallback_xsl=walk)

    def run(self, node: Any, tree: etree._ElementTree | None = None, *, schema_valid: bool = False) -> RuleSetResult:
        """Apply the rule set to a parsed ``PyXdmNode`` (document node). Never raises for
        dynamic errors of the stylesheet: they are returned in ``result.error``.

        ``tree`` is the same document parsed by lxml, if the caller has it: the walks the
        stylesheet lets the runner answer are then done on it (faster than in Saxon).
        ``schema_valid``: the document passed the UBL 2.1 XSD (closed_world.py); only then may
        the stylesheet rely on it."""
        start = time.perf_counter()
        result = RuleSetResult(name=self.name)
        try:
            if self._reads_schema_valid:  # set for every document: parameters outlive a run
                self._exe.set_parameter(SCHEMA_VALID_PARAM_NAME, self._processor.make_boolean_value(schema_valid))
            for param, trie in self._given.items():
                value = "walk" if tree is None else " ".join(map(str, present(tree.getroot(), trie)))
                self._exe.set_parameter(param, self._processor.make_string_value(value))
            result.failed = self._transform(node)
        except Exception as exc:  # noqa: BLE001 - saxonche raises PySaxonApiError; anything else is as fatal
            if self._fallback_factory is not None:
                self.prepare_fallback()
                assert self._fallback is not None
                result = self._fallback.run(node)
                result.used_fallback = True
            else:
                msg = " ".join(str(exc).split()) or type(exc).__name__
                result.error = f"rule set {self.name!r} stopped with a dynamic error: {msg}"
        result.duration_ms = (time.perf_counter() - start) * 1000
        return result

    def release_document(self, placeholder: Any) -> None:
        """Hold ``placeholder`` (a small document) instead of the last document: the executable
        keeps its global context item (the whole Saxon tree) until the next run sets another, so
        the tree of a large document could not be collected while the next one is parsed."""
        self._exe.set_global_context_item(xdm_item=placeholder)
        if self._fallback is not None:
            self._fallback.release_document(placeholder)

    def _transform(self, node: Any) -> list[RawFinding]:
        self._exe.set_global_context_item(xdm_item=node)
        svrl = self._exe.apply_templates_returning_string(xdm_value=node)
        if svrl is None:
            raise RuntimeError("transformation returned no result")
        if _ERR_NS in svrl:
            err = etree.fromstring(svrl.encode())
            if err.tag == f"{{{_ERR_NS}}}dynamic-error":
                raise RuntimeError(f"{err.get('code')}: {err.get('description')}")
        return parse_svrl(svrl)


def given_tries(text: str) -> dict[str, PyTrie]:
    """The parameters of a compiled stylesheet (its text) that take an absence walk's answer,
    with the trie each answers (the compiler lists them in a comment at the top; none in other
    stylesheets)."""
    start = text.find("<!--" + GIVEN_TRIES_MARK)
    if start < 0:
        return {}
    table = json.loads(text[start + 4 + len(GIVEN_TRIES_MARK):text.find("-->", start)])
    return {param: python_trie(paths) for param, paths in table.items()}
