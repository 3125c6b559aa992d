"""The validation engine: bytes in, ``ValidationReport`` out. Pure: no web framework, no database.

Pipeline (KoSIT's ``DefaultCheck``): secure parse -> identify -> scenario -> UBL 2.1 XSD -> each
Schematron rule set of the scenario -> report. Schemas and stylesheets are compiled once per engine;
build one engine per process (SaxonC is not thread-safe: the engine serialises its own calls).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode

from service import __version__
from service.validation.artefacts import (
    Manifest,
    ManifestFile,
    load_manifest,
    missing_artefacts,
    release_states,
    sha256_file,
)
from service.validation.caps import cap_per_rule
from service.validation.envelope import SBD, Envelope, EnvelopeError, open_envelope
from service.validation.memory import LARGE_DOCUMENT_BYTES, release_freed_memory, settle_saxon_heap
from service.validation.releases import (
    Release,
    ReleaseState,
    classify,
    release_in_force,
    release_warnings,
)
from service.validation.report import (
    Artefact,
    DocumentIdentity,
    EnvelopeHeader,
    Finding,
    LayerKind,
    LayerResult,
    Outcome,
    Severity,
    ValidationReport,
    Validity,
)
from service.validation.rulesets import RuleSetOutput, RuleSetRunner, SchRuleSet, XsltRuleSet
from service.validation.scenarios import (
    CII_INVOICE,
    PEPPOL_FAMILY,
    RULE_SETS,
    SCENARIOS,
    RuleSetSpec,
    Scenario,
    below_en16931,
    identify,
    select_scenario,
)
from service.validation.svrl import short_location
from service.validation.terms import business_terms
from service.validation.xmlsafe import XmlSyntaxError, parse_bytes, peek_root_tag
from service.validation.xsd import (
    UBL_DOCUMENTS,
    XsdSchema,
    cii_xsd_path,
    compile_schemas,
    ubl_namespace,
    ubl_xsd_path,
)

__all__ = [
    "ArtefactsMissing",
    "ENGINE_VERSION",
    "UnknownRuleSet",
    "ValidationEngine",
    "default_engine",
    "set_default_engine",
    "validate",
]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


ENGINE_VERSION = (
    f"einvoice-validation/{__version__} (saxonche {_version('saxonche')}, "
    f"lxml {_version('lxml')}, xmlschema {_version('xmlschema')})"
)

_SEVERITY = {
    "fatal": Severity.fatal,
    "error": Severity.fatal,
    "warning": Severity.warning,
    "warn": Severity.warning,
    "information": Severity.information,
    "info": Severity.information,
}
_RULE_IN_MESSAGE = re.compile(r"\[([A-Za-z][A-Za-z0-9_.\-]*-[A-Za-z0-9_.\-]+)\]")
_ROOTS = {f"{{{ubl_namespace(d)}}}{d}": d for d in UBL_DOCUMENTS}
CII = "CrossIndustryInvoice"
_INVOICE_ROOTS = {**_ROOTS, CII_INVOICE: CII}  # the documents with an XSD layer before the rules
# Compiled as one lxml schema (xsd.compile_schemas): they share nearly all their components, and
# every process needs both (7 MB instead of 14).
_COMPILED_TOGETHER = ("Invoice", "CreditNote")


_WARM_UP_DOCUMENT = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
    "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID><cbc:ID>1</cbc:ID>"
    "<cac:InvoiceLine><cbc:ID>1</cbc:ID></cac:InvoiceLine></Invoice>"
)


_WARM_UP_EXAMPLES = (
    "peppol-bis-billing-3/rules/examples/base-example.xml",
    "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml",
    "nlcius-testset/SI-UBL-2.0/SI-UBL-2.0_ok_full.xml",
    "en16931/cii/examples/CII_example1.xml",
)
_WARM_UP_RUNS = 5


class ArtefactsMissing(RuntimeError):
    """Required artefacts are missing or corrupt; ``problems`` says which."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("validation artefacts missing: " + "; ".join(problems[:5]))
        self.problems = problems


class UnknownRuleSet(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class _Loaded:
    spec: RuleSetSpec
    runner: RuleSetRunner | None
    artefact: Artefact
    load_error: str | None = None
    release: Release | None = None  # for rule sets that come in releases (releases.py)


class ValidationEngine:
    """Compiled artefacts and the Saxon processor of one process.

    ``artifacts_dir`` holds the installed files of ``schemas/manifest.json``; ``cache_dir`` is where the
    Schematron compiler keeps compiled stylesheets; ``accepted_scenarios`` limits the scenarios the
    engine validates (others are reported as ``UNSUPPORTED_DOCUMENT``). Rule sets are compiled on
    first use; call ``warm()`` to compile everything up front (the app does, in its lifespan).
    Raises ``ArtefactsMissing`` when a required artefact is missing or fails its SHA-256 check.
    """

    def __init__(
        self,
        artifacts_dir: Path,
        *,
        cache_dir: Path | None = None,
        accepted_scenarios: Iterable[str] | None = None,
        manifest: Manifest | None = None,
        verify: bool = True,
    ) -> None:
        self.artifacts_dir = Path(artifacts_dir)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.manifest = manifest or load_manifest()
        self.accepted_scenarios = frozenset(SCENARIOS if accepted_scenarios is None else accepted_scenarios)
        if verify:
            problems = missing_artefacts(self.artifacts_dir, self.manifest)
            if problems:
                raise ArtefactsMissing(problems)
        # which releases are installed: a release whose files are missing is never applied
        self.release_states: list[ReleaseState] = release_states(self.artifacts_dir, self.manifest)
        self._installed_releases = {st.release.id for st in self.release_states if st.installed}
        self._lock = threading.RLock()
        self._processor = PySaxonProcessor(license=False)
        self._xsd: dict[str, tuple[XsdSchema, Artefact]] = {}
        self._rule_sets: dict[tuple[str, str | None], _Loaded] = {}
        self._artefacts: dict[tuple[str, str], Artefact] = {}
        self._builder = self._processor.new_document_builder()
        self.heap_settled_mb: float | None = None  # set by warm(settle=True)
        # left as the rule sets' context item after a large document (RuleSetRunner.release_document)
        self._placeholder = self._builder.parse_xml(xml_text="<released/>")

    # -- artefacts -------------------------------------------------------------------------------
    def _artefact(self, name: str, local_path: str) -> Artefact:
        key = (name, local_path)
        if key not in self._artefacts:
            self._artefacts[key] = self._describe(name, local_path)
        return self._artefacts[key]

    def _describe(self, name: str, local_path: str) -> Artefact:
        try:
            entry: ManifestFile | None = self.manifest.get(local_path)
        except KeyError:
            entry = None
        if entry is not None:
            return Artefact(name=name, version=entry.version, sha256=entry.sha256, path=local_path)
        sha = sha256_file(self.artifacts_dir / local_path)  # not pinned (tests, custom rule sets)
        return Artefact(name=name, version="unpinned", sha256=sha, path=local_path)

    def xsd_schema(self, document: str) -> tuple[XsdSchema, Artefact]:
        """The compiled UBL 2.1 schema of a document type ('Invoice', 'Order', ...)."""
        with self._lock:
            loaded = self._xsd.get(document)
            if loaded is None:  # (kept with its artefact: building the paths costs ~0.1 ms a call)
                together = _COMPILED_TOGETHER if document in _COMPILED_TOGETHER else (document,)
                paths = [cii_xsd_path(self.artifacts_dir) if d == CII else ubl_xsd_path(self.artifacts_dir, d)
                         for d in together]
                compiled = compile_schemas(paths)
                for name, path in zip(together, paths):
                    rel = path.relative_to(self.artifacts_dir).as_posix()
                    self._xsd[name] = (XsdSchema(path, compiled=compiled), self._artefact(path.name, rel))
                loaded = self._xsd[document]
            return loaded

    # -- releases --------------------------------------------------------------------------------
    def release_for(self, family: str, at: datetime, needs: Iterable[str] = ()) -> tuple[Release | None, str | None]:
        """The installed release of ``family`` in force at ``at`` and a note when another one had
        to be applied: the one in force lacks a rule set of ``needs`` (Self-Billing came with
        3.0.21), or the document is older than every installed release."""
        needs = tuple(needs)
        release = release_in_force(self.manifest.releases, family, at, installed=self._installed_releases)
        if release is None:
            return None, None
        note = None
        if not set(needs) <= set(release.rule_sets):
            later = [r for r in self.manifest.releases
                     if r.family == family and r.id in self._installed_releases and set(needs) <= set(r.rule_sets)]
            if later:
                note = (f"Release {release.version} of {family} (in force at the time of receipt) has no "
                        f"{', '.join(n for n in needs if n not in release.rule_sets)} rules; "
                        f"release {later[0].version} was applied instead.")
                release = later[0]
        elif not release.applies_at(at):
            note = (f"The time of receipt is before every installed release of {family}; the oldest, "
                    f"{release.version}, was applied.")
        return release, note

    def release_warnings(self, now: datetime | None = None) -> list[str]:
        """Releases whose mandatory date has come that this engine does not apply (/readyz)."""
        problems = {st.release.id: st.problems for st in self.release_states}
        return release_warnings(classify(self.manifest.releases, problems, now or datetime.now(UTC)))

    def active_release(self, family: str) -> Release | None:
        """The release of ``family`` applied to documents received now."""
        return self.release_for(family, datetime.now(UTC))[0]

    def rule_set(self, name: str, release: Release | None = None) -> _Loaded:
        """A compiled rule set; one of a release family from ``release`` (default: the one in
        force now)."""
        spec = RULE_SETS.get(name)
        if spec is None:
            raise UnknownRuleSet(name)
        if spec.family is not None:
            release = release or self.active_release(spec.family)
        else:
            release = None
        key = (name, release.version if release else None)
        with self._lock:
            loaded = self._rule_sets.get(key)
            if loaded is None:
                loaded = self._load_rule_set(spec, release)
                self._rule_sets[key] = loaded
            return loaded

    def _load_rule_set(self, spec: RuleSetSpec, release: Release | None) -> _Loaded:
        rel_path = release.rule_sets.get(spec.name) if release is not None else spec.path
        if rel_path is None:
            where = release.id if release is not None else f"any installed release of {spec.family}"
            artefact = Artefact(name=spec.name, version="absent", sha256="", path="")
            return _Loaded(spec, None, artefact, f"{where} has no rule set {spec.name}", release)
        artefact = self._artefact(spec.name, rel_path)
        path = self.artifacts_dir / rel_path
        try:
            runner: RuleSetRunner
            if spec.kind == "xslt":
                runner = XsltRuleSet(self._processor, path)
            else:
                runner = SchRuleSet(self._processor, path, self.cache_dir, name=spec.name)
            return _Loaded(spec, runner, artefact, None, release)
        except Exception as exc:  # noqa: BLE001 - reported per document as an error layer, never a crash
            return _Loaded(spec, None, artefact, f"{type(exc).__name__}: {exc}", release)

    def warm(self, *, diagnostics: bool = False, settle: bool = True) -> list[str]:
        """Compile every schema and rule set the accepted scenarios need; return load problems.

        ``settle``: then let Saxon's heap shrink back from the compilation (memory.settle_saxon_heap;
        ~1.5 s, ~45 MB less resident for the life of the process). ``heap_settled_mb`` tells
        how much it gave back."""
        problems = [
            f"unknown scenario {name!r} in the accepted scenarios (known: {', '.join(SCENARIOS)})"
            for name in sorted(self.accepted_scenarios - set(SCENARIOS))
        ]
        if problems:
            return problems
        with self._lock:
            documents = ["Invoice", "CreditNote"]
            if any(SCENARIOS[s].syntax == "cii" for s in self.accepted_scenarios):
                documents.append(CII)
            for document in documents:
                schema, _ = self.xsd_schema(document)
                # xmlschema's explanations of XSD errors, built up front for UBL (most documents);
                # the CII one is built on the first CII document that fails its XSD
                if diagnostics and document != CII:
                    schema.diagnostics_schema()
            names = {r for s in self.accepted_scenarios if s in SCENARIOS for r in SCENARIOS[s].rule_sets}
            samples = [(self._builder.parse_xml(xml_text=_decode(xml)), parse_bytes(xml))
                       for xml in self._warm_up_documents()]
            cii_sample = [(node, tree) for node, tree in samples if tree.getroot().tag == CII_INVOICE]
            ubl_samples = [(node, tree) for node, tree in samples if tree.getroot().tag != CII_INVOICE]
            now = datetime.now(UTC)
            for name in sorted(names):
                family = RULE_SETS[name].family
                release = self.release_for(family, now, (name,))[0] if family else None
                loaded = self.rule_set(name, release)
                if loaded.load_error:
                    problems.append(f"rule set {name} cannot be loaded: {loaded.load_error}")
                elif loaded.runner is not None:
                    # Saxon compiles template rules lazily on first use: pay that before the first request
                    # each rule set on the documents of its syntax (the others match none of its rules)
                    own = (cii_sample if name == "en16931-cii" else ubl_samples) or samples
                    for _ in range(_WARM_UP_RUNS):
                        for node, tree in own:  # each way: with and without the lxml tree,
                            loaded.runner.run(node, tree, schema_valid=True)  # after the XSD or not
                            loaded.runner.run(node)
            del samples, cii_sample, ubl_samples
            if settle:
                self.heap_settled_mb = settle_saxon_heap(self._processor)
        return problems

    def _warm_up_documents(self) -> list[bytes]:
        """Real invoices when the examples are installed (they reach most rules), else a tiny one."""
        docs = [
            (self.artifacts_dir / rel).read_bytes()
            for rel in _WARM_UP_EXAMPLES
            if (self.artifacts_dir / rel).is_file()
        ]
        return docs or [_WARM_UP_DOCUMENT.encode()]

    # -- validation ------------------------------------------------------------------------------
    def validate(self, xml: bytes, *, rules: str | None = None, xsd: bool = True,
                 tree: etree._ElementTree | None = None, received_at: datetime | None = None) -> ValidationReport:
        """Validate one document and explain every failure.

        ``received_at`` (timezone-aware; default now) is the document's time of receipt: it chooses
        the release of rule sets that come in releases (Peppol 3.0.19 before 2026-08-24, 3.0.21
        from then on; ``releases.py``), which the report names.

        ``rules`` names a rule set (``en16931``, ``peppol-bis-3``, ``nlcius``, ``nlcius-gaccount``)
        to apply instead of the detected scenario; ``xsd=False`` skips the XSD layer (rule-set
        authors testing partial documents). ``tree`` is these same bytes already parsed by
        ``xmlsafe.parse_bytes`` (intake parses before it validates): it is only read, and saves a
        second parse. Never raises for document problems: malformed XML, unsupported documents
        and rule-set dynamic errors all end up in the report.
        Raises ``UnknownRuleSet`` for an unknown ``rules`` name.
        """
        if rules is not None and rules not in RULE_SETS:
            raise UnknownRuleSet(rules)
        received_at = received_at or datetime.now(UTC)
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        with self._lock:
            return _Run(self, xml, rules=rules, xsd=xsd, tree=tree, received_at=received_at).run()


    def validate_schema(self, xml: bytes) -> ValidationReport:
        """Secure parse + UBL 2.1 XSD only, for any UBL document type the service reads.

        For orders, despatch and receipt advices and application responses (no Schematron rules
        are applied); the scenario is ``ubl-xsd:<Document>``, e.g. ``ubl-xsd:Order``. A root element
        that is not one of ``UBL_DOCUMENTS`` gives ``UNSUPPORTED_DOCUMENT``.
        """
        with self._lock:
            return _Run(self, xml, rules=None, xsd=True, schema_only=True).run()


class _Run:
    """One validation: collects layers as it goes."""

    def __init__(
        self,
        engine: ValidationEngine,
        xml: bytes,
        *,
        rules: str | None,
        xsd: bool,
        schema_only: bool = False,
        tree: etree._ElementTree | None = None,
        received_at: datetime | None = None,
    ) -> None:
        self.given_tree = tree
        self.received_at = received_at or datetime.now(UTC)
        self.release: Release | None = None  # of the rule sets that come in releases
        self.envelope: Envelope | None = None  # a Peppol StandardBusinessDocument around the document
        self.envelope_tree: etree._ElementTree | None = None
        self.envelope_layer: int | None = None
        self.large = len(xml) >= LARGE_DOCUMENT_BYTES  # memory.py: worth the extra care below
        self.schema_only = schema_only
        self.engine = engine
        self.xml = xml
        self.rules = rules
        self.xsd = xsd
        self.layers: list[LayerResult] = []
        self.artefacts: list[Artefact] = []
        self.notes: list[str] = []
        self.document = DocumentIdentity()
        self.scenario_id: str | None = None
        self.scenario_name: str | None = None

    def run(self) -> ValidationReport:
        started = time.perf_counter()
        validated_at = datetime.now(UTC)
        sha = hashlib.sha256(self.xml).hexdigest()
        streamed = self._streamed() if self._may_stream() else None
        if streamed is not None:
            self._schematron_layers(streamed)
            return self._report(sha, validated_at, started)
        parsed_here = self.given_tree is None
        tree = self._parse()
        if tree is not None and tree.getroot().tag == SBD:
            tree = self._open_envelope(tree)
        if tree is not None:
            rule_sets = self._validate_tree(tree)
            if self.large:
                tree = None  # keep the peak memory down: the Saxon layers do without it
                if rule_sets and parsed_here:
                    release_freed_memory()  # so that the Saxon tree reuses those pages, not new ones
            if rule_sets:
                self._schematron_layers(rule_sets, tree)
        if self.envelope is not None and self.envelope_tree is not None:
            self._envelope_rules()
        return self._report(sha, validated_at, started)

    # the Peppol envelope ---------------------------------------------------------------------------
    def _open_envelope(self, tree: etree._ElementTree) -> etree._ElementTree | None:
        """Check the envelope; return the payload as its own tree (validated as any document), or
        None when there is none to validate. The envelope's layer comes right after the xml layer."""
        t = time.perf_counter()
        try:
            envelope = open_envelope(tree.getroot())
        except EnvelopeError as exc:
            self.layers.append(_layer("envelope", LayerKind.envelope, None, t, tuple(exc.findings)))
            self.envelope_layer = len(self.layers) - 1
            return None
        self.envelope, self.envelope_tree = envelope, tree
        self.layers.append(_layer("envelope", LayerKind.envelope, None, t, envelope.findings))
        self.envelope_layer = len(self.layers) - 1
        self.xml = envelope.payload  # the Saxon layers read the payload on its own
        self.large = len(self.xml) >= LARGE_DOCUMENT_BYTES
        return parse_bytes(envelope.payload)

    def _envelope_rules(self) -> None:
        """BR-SBDH-1..4 (the Peppol release in force) on the whole StandardBusinessDocument, added
        to the envelope layer."""
        assert self.envelope_tree is not None and self.envelope_layer is not None
        release = self.release or self.engine.release_for(PEPPOL_FAMILY, self.received_at, ("peppol-envelope",))[0]
        loaded = self.engine.rule_set("peppol-envelope", release)
        layer = self.layers[self.envelope_layer]
        t = time.perf_counter()
        if loaded.runner is None:
            output = RuleSetOutput([], loaded.load_error or "no envelope rules")
        else:
            node = self.engine._builder.parse_xml(xml_text=etree.tostring(self.envelope_tree, encoding="unicode"))
            output = loaded.runner.run(node)
        findings = layer.findings + tuple(_finding(raw, "envelope") for raw in output.findings)
        self.artefacts.append(loaded.artefact)
        self.layers[self.envelope_layer] = _layer(
            "envelope", LayerKind.envelope, loaded.artefact, t, findings, error=output.error,
            extra_ms=layer.duration_ms)

    # large documents ------------------------------------------------------------------------------
    def _may_stream(self) -> bool:
        return (self.given_tree is None and self.large and self.xsd
                and self.rules is None and not self.schema_only)

    def _streamed(self) -> tuple[str, ...] | None:
        """Well-formedness and XSD in one streaming pass that keeps no tree (see
        ``XsdSchema.stream_valid``), for a large valid document of an accepted scenario: returns
        its rule sets. None whenever anything is not so (malformed, invalid, DOCTYPE, unsupported):
        then the tree path validates the document and reports exactly what is wrong. The pass is
        reported as the XSD layer; the xml layer holds the look at the root element."""
        t = time.perf_counter()
        document = _INVOICE_ROOTS.get(peek_root_tag(self.xml) or "")
        if document is None:
            return None
        xml_layer = _layer("xml", LayerKind.xml, None, t, ())
        t = time.perf_counter()
        schema, artefact = self.engine.xsd_schema(document)
        root = schema.stream_valid(self.xml)
        if root is None:
            return None
        identity = identify(root)
        scenario = select_scenario(identity)
        if scenario is None or scenario.id not in self.engine.accepted_scenarios:
            return None
        self.document = identity
        self._choose(scenario)
        self.artefacts.append(artefact)
        self.layers += [xml_layer, _layer("xsd", LayerKind.xsd, artefact, t, ())]
        return scenario.rule_sets

    # layers ---------------------------------------------------------------------------------------
    def _parse(self) -> etree._ElementTree | None:
        t = time.perf_counter()
        if self.given_tree is not None:  # parsed by the caller with the same secure parser
            tree, self.given_tree = self.given_tree, None
            self.layers.append(_layer("xml", LayerKind.xml, None, t, ()))
            return tree
        try:
            tree = parse_bytes(self.xml)
        except XmlSyntaxError as exc:
            finding = Finding(
                rule_id="NOT_WELL_FORMED",
                severity=Severity.fatal,
                message=exc.message,
                line=exc.line,
                column=exc.column,
                layer="xml",
            )
            self.layers.append(_layer("xml", LayerKind.xml, None, t, (finding,)))
            return None
        self.layers.append(_layer("xml", LayerKind.xml, None, t, ()))
        return tree

    def _validate_tree(self, tree: etree._ElementTree) -> tuple[str, ...]:
        """Identify, pick the scenario, run the XSD; return the rule sets still to run."""
        root = tree.getroot()
        self.document = identify(root)
        if self.schema_only:
            document = _ROOTS.get(self.document.root or "")
            if document is None:
                self._unsupported(None, schema_only=True)
                return ()
            self.scenario_id, self.scenario_name = f"ubl-xsd:{document}", f"UBL 2.1 {document} (XSD only)"
            self._xsd_layer(tree)
            return ()
        if self.rules is not None:
            spec = RULE_SETS[self.rules]
            self.scenario_id, self.scenario_name = f"rules:{spec.name}", spec.title
            rule_sets: tuple[str, ...] = (spec.name,)
            self.notes.append(f"Rule set {spec.name} applied as requested, not the detected scenario.")
            if spec.family is not None:
                self._choose_release(spec.family, rule_sets)
        else:
            scenario = select_scenario(self.document)
            if scenario is None or scenario.id not in self.engine.accepted_scenarios:
                self._unsupported(scenario.id if scenario else None)
                return ()
            self._choose(scenario)
            rule_sets = scenario.rule_sets

        xsd_ok = True
        if self.xsd:
            xsd_ok = self._xsd_layer(tree)
        else:
            self.layers.append(
                LayerResult(name="xsd", kind=LayerKind.xsd, validity=Validity.skipped, duration_ms=0.0)
            )
        if not xsd_ok:
            for name in rule_sets:
                self.layers.append(
                    LayerResult(
                        name=name,
                        kind=LayerKind.schematron,
                        artefact=self.engine.rule_set(name, self.release).artefact,
                        validity=Validity.skipped,
                        duration_ms=0.0,
                    )
                )
            return ()
        return rule_sets

    def _choose(self, scenario: Scenario) -> None:
        self.scenario_id, self.scenario_name = scenario.id, scenario.name
        if scenario.note:
            self.notes.append(scenario.note)
        if scenario.family is not None:
            self._choose_release(scenario.family, scenario.rule_sets)

    def _choose_release(self, family: str, rule_sets: tuple[str, ...]) -> None:
        needs = tuple(r for r in rule_sets if RULE_SETS[r].family == family)
        self.release, note = self.engine.release_for(family, self.received_at, needs)
        if note:
            self.notes.append(note)

    def _unsupported(self, detected: str | None, *, schema_only: bool = False) -> None:
        doc = self.document
        found = (
            f"root element {doc.root or '?'}, CustomizationID {doc.customization_id or '(none)'}, "
            f"ProfileID {doc.profile_id or '(none)'}"
        )
        rule_id = "UNSUPPORTED_DOCUMENT"
        if (profile := below_en16931(doc)) is not None:
            rule_id = "PROFILE_NOT_EN16931"
            message = (
                f"The document is a {profile} invoice ({doc.customization_id}): that profile carries "
                "less than an EN 16931 invoice (BT-24), so it cannot be accepted as one; send the "
                "EN 16931 (COMFORT), EXTENDED or XRechnung profile."
            )
        elif schema_only:
            message = f"Not a UBL 2.1 {', '.join(UBL_DOCUMENTS)}; found {found}."
        elif detected is not None:
            message = f"Scenario {detected} is not accepted by this service ({found})."
        else:
            message = (
                "Not a UBL 2.1 Invoice or CreditNote or a UN/CEFACT CII CrossIndustryInvoice declaring "
                f"EN 16931 or a supported CIUS in its specification identifier (BT-24); found {found}."
            )
        finding = Finding(
            rule_id=rule_id,
            severity=Severity.fatal,
            message=message,
            location="/*",
            layer="scenario",
            business_terms=("BT-24",),
        )
        self.layers.append(
            LayerResult(
                name="scenario",
                kind=LayerKind.scenario,
                validity=Validity.invalid,
                duration_ms=0.0,
                findings=(finding,),
            )
        )

    def _xsd_layer(self, tree: etree._ElementTree) -> bool:
        t = time.perf_counter()
        document = _INVOICE_ROOTS.get(self.document.root or "")
        if document is None:
            finding = Finding(
                rule_id=None,
                severity=Severity.fatal,
                message=f"No UBL 2.1 schema for root element {self.document.root}.",
                location="/*",
                line=tree.getroot().sourceline,
                layer="xsd",
            )
            self.layers.append(_layer("xsd", LayerKind.xsd, None, t, (finding,)))
            return False
        schema, artefact = self.engine.xsd_schema(document)
        self.artefacts.append(artefact)
        check = schema.check(tree)
        self.layers.append(_layer("xsd", LayerKind.xsd, artefact, t, check.findings, omitted=check.omitted))
        return check.valid

    def _saxon_tree(self) -> PyXdmNode:
        """The document parsed by Saxon. A large one is read from a temporary file: handed over as a
        string it exists three more times at once (Python string, C copy, Java string) and Saxon's
        heap, which it never gives back, keeps growing (5,000 lines, six validations: peak RSS
        259-325 MB from a file, 288-398 MB from a string); from a file it is also parsed faster."""
        if self.large:
            try:
                with tempfile.NamedTemporaryFile(prefix="einvoice-", suffix=".xml") as fh:
                    fh.write(self.xml)
                    fh.flush()
                    return self.engine._builder.parse_xml(xml_file_name=fh.name)
            except OSError:
                pass  # no writable temporary directory: parse from the string
        return self.engine._builder.parse_xml(xml_text=_decode(self.xml))

    def _schematron_layers(self, rule_sets: tuple[str, ...], tree: etree._ElementTree | None = None) -> None:
        """``tree``: the lxml tree of a small document, which some rule sets use (runner.py)."""
        t = time.perf_counter()
        node = None
        parse_error = None
        try:
            node = self._saxon_tree()
        except (PySaxonApiError, UnicodeDecodeError, LookupError) as exc:
            parse_error = " ".join(str(exc).split()) or type(exc).__name__
        saxon_parse_ms = (time.perf_counter() - t) * 1000
        runners = []
        for i, name in enumerate(rule_sets):
            t = time.perf_counter()
            loaded = self.engine.rule_set(name, self.release)
            self.artefacts.append(loaded.artefact)
            if loaded.load_error or node is None:
                error = loaded.load_error or f"document could not be read by Saxon: {parse_error}"
                output = RuleSetOutput([], error)
            else:
                assert loaded.runner is not None
                # the layers run only after the XSD layer accepted the document, unless it was skipped
                output = loaded.runner.run(node, tree, schema_valid=self.xsd)
                runners.append(loaded.runner)
            listed, omitted = cap_per_rule(output.findings, _rule_of)
            findings = [_finding(raw, name) for raw in listed]
            if output.error:
                findings.append(
                    Finding(
                        rule_id="RULESET-ERROR",
                        severity=Severity.fatal,
                        message=(
                            f"Rule set {name} ({loaded.spec.title}, {loaded.artefact.version}) stopped "
                            f"with an error on this document, so it could not be validated against "
                            f"it; the document is rejected. Error: {output.error}"
                        ),
                        location="/*",
                        layer=name,
                    )
                )
            extra = saxon_parse_ms if i == 0 else 0.0  # the shared Saxon parse counts for the first
            self.layers.append(
                _layer(
                    name,
                    LayerKind.schematron,
                    loaded.artefact,
                    t,
                    tuple(findings),
                    error=output.error,
                    extra_ms=extra,
                    omitted=omitted,
                )
            )
        if self.large:  # the executables would keep its tree (tens of MB) until the next document
            for runner in runners:
                runner.release_document(self.engine._placeholder)

    def _report(self, sha: str, validated_at: datetime, started: float) -> ValidationReport:
        findings = [f for layer in self.layers for f in layer.findings]
        if any(layer.validity is Validity.error for layer in self.layers):
            outcome = Outcome.error
        elif any(layer.validity is Validity.invalid for layer in self.layers):
            outcome = Outcome.invalid
        else:
            outcome = Outcome.valid
        most_severe = None
        for severity in (Severity.fatal, Severity.warning, Severity.information):
            if any(f.severity is severity for f in findings):
                most_severe = severity
                break
        return ValidationReport(
            document_sha256=sha,
            scenario=self.scenario_id,
            scenario_name=self.scenario_name,
            document=self.document,
            artefacts=tuple(dict.fromkeys(self.artefacts)),
            engine_version=ENGINE_VERSION,
            validated_at=validated_at,
            outcome=outcome,
            most_severe=most_severe,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            layers=tuple(self.layers),
            notes=tuple(self.notes),
            release=self.release.id if self.release else None,
            received_at=self.received_at,
            envelope=_envelope_header(self.envelope),
        )


def _layer(
    name: str,
    kind: LayerKind,
    artefact: Artefact | None,
    started: float,
    findings: tuple[Finding, ...],
    *,
    error: str | None = None,
    extra_ms: float = 0.0,
    omitted: int = 0,
) -> LayerResult:
    if error:
        validity = Validity.error
    elif any(f.severity is Severity.fatal for f in findings):
        validity = Validity.invalid
    else:
        validity = Validity.valid
    return LayerResult(
        name=name,
        kind=kind,
        artefact=artefact,
        validity=validity,
        duration_ms=round((time.perf_counter() - started) * 1000 + extra_ms, 3),
        findings=findings,
        findings_omitted=omitted,
        error=error,
    )


def _rule_of(raw: Any) -> tuple[str | None, str | None, str]:
    """What makes findings the same rule, for the caps: id, flag (severity) and test."""
    return raw.rule_id, raw.flag, raw.test


def _finding(raw: Any, layer: str) -> Finding:
    flag = (raw.flag or "").strip().lower()
    severity = _SEVERITY.get(flag, Severity.fatal)
    message = " ".join((raw.text or "").split())
    rule_id = raw.rule_id or None
    if rule_id is None and (m := _RULE_IN_MESSAGE.match(message)):
        rule_id = m.group(1)  # SI-UBL 2.0 asserts carry their id only as a "[SI-V20-...]-" prefix
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=message,
        location=short_location(raw.location) if raw.location else None,
        test=raw.test or None,
        layer=layer,
        business_terms=business_terms(message),
    )


def _envelope_header(envelope: Envelope | None) -> EnvelopeHeader | None:
    if envelope is None:
        return None
    return EnvelopeHeader(
        sender=envelope.sender, receiver=envelope.receiver, document_type=envelope.document_type,
        process=envelope.process, instance_identifier=envelope.instance_identifier,
        created_at=envelope.created_at, country_c1=envelope.country_c1,
    )


def _decode(xml: bytes) -> str:
    """Decode the document for Saxon with the encoding lxml accepted (declaration or BOM)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if xml.startswith(bom):
            return xml.decode(encoding)
    head = xml[:200]
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        decl = head[: end if end > 0 else len(head)].decode("ascii", "replace")
        for quote in ('"', "'"):
            marker = f"encoding={quote}"
            if marker in decl:
                enc = decl.split(marker, 1)[1].split(quote, 1)[0]
                return xml.decode(enc)
    return xml.decode("utf-8")


# -- process-wide default ------------------------------------------------------------------------
_default: ValidationEngine | None = None


def set_default_engine(engine: ValidationEngine | None) -> None:
    """Install the process-wide engine (the app's lifespan and the CLI workers do this once)."""
    global _default
    _default = engine


def default_engine() -> ValidationEngine:
    if _default is None:
        raise RuntimeError("no validation engine configured: call set_default_engine() first")
    return _default


def validate(xml: bytes, *, rules: str | None = None, xsd: bool = True,
             received_at: datetime | None = None) -> ValidationReport:
    """Validate with the process-wide engine; see ``ValidationEngine.validate``."""
    return default_engine().validate(xml, rules=rules, xsd=xsd, received_at=received_at)
