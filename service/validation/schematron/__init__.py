"""ISO Schematron compiler and runner (pure: no FastAPI, no database).

API::

    from service.validation.schematron import (
        compile_schematron, compile_schematron_cached, SchematronRuleSet, RuleSetResult)

    xslt_text = compile_schematron(sch_path, phase=None)            # XSLT 3.0 text
    xsl_path = compile_schematron_cached(sch_path, cache_dir)       # <cache_dir>/<stem>-<sha256>.xsl
    rs = SchematronRuleSet.load(proc, sch_path, cache_dir, name="peppol")  # compile (cached) + load
    rs = SchematronRuleSet.from_xslt(xsl_path, name="en16931", processor=proc)  # e.g. an official XSLT
    result = rs.run(xdm_node)        # PyXdmNode of the parsed document, shared across rule sets
    result.failed                    # list[service.validation.svrl.RawFinding] (alias: .findings)
    result.error                     # None, or "rule set '<name>' stopped with a dynamic error: XPTY0004: ..."
    result.used_fallback             # the fast stylesheet raised; the skeleton-style walk answered
    result.duration_ms

``proc`` is the process-wide ``saxonche.PySaxonProcessor``; a rule set is not thread-safe.
The compiled stylesheets emit SVRL (failed asserts and successful reports only), read by the
same ``parse_svrl`` as the official stylesheets; locations use the ISO skeleton's format.
The cache key is the SHA-256 of every source file (entry and includes), the phase, the
strategy and ``COMPILER_VERSION``. ``load()`` also prepares, lazily, the skeleton-style
template walk of the same sources as fallback (``rs.prepare_fallback()`` compiles it now).
How the fast stylesheet is built and why it is equivalent: see ``compiler.py``.
"""

from .compiler import COMPILER_VERSION, compile_schematron, compile_schematron_cached
from .loader import SchematronCompileError, load_schema
from .runner import RuleSetResult, SchematronRuleSet

__all__ = [
    "COMPILER_VERSION",
    "RuleSetResult",
    "SchematronCompileError",
    "SchematronRuleSet",
    "compile_schematron",
    "compile_schematron_cached",
    "load_schema",
]
