"""ISO Schematron compiler and runner (pure: no FastAPI, no database).

API::

    from service.validation.schematron import (
        compile_schematron, compile_schematron_cached, SchematronRuleSet, RuleSetResult)

    xslt_text = compile_schematron(sch_path, phase=None)            # XSLT 3.0 text
    xsl_path = compile_schematron_cached(sch_path, cache_dir)       # <cache_dir>/<stem>-<sha256>.xsl
    rs = SchematronRuleSet.from_xslt(xsl_path, name="en16931", processor=proc)
    rs = SchematronRuleSet.load(proc, sch_path, cache_dir, name="peppol")  # compile (cached) + load
    result = rs.run(xdm_node)        # PyXdmNode of the parsed document, shared across rule sets
    result.failed                    # list[service.validation.svrl.RawFinding] (alias: .findings)
    result.error                     # None, or the caught dynamic error naming the rule set

``proc`` is the process-wide ``saxonche.PySaxonProcessor``; a rule set is not thread-safe.
The compiled stylesheets emit SVRL (failed asserts and successful reports only), read by the
same ``parse_svrl`` as the official stylesheets; locations use the ISO skeleton's format.
"""

from .compiler import (
    COMPILER_VERSION,
    SchematronCompileError,
    compile_schematron,
    compile_schematron_cached,
    load_schema,
)
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
