"""Loading an ISO Schematron schema: includes resolved, abstract patterns and rules expanded."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

__all__ = ["SCH", "LoadedSchema", "SchematronCompileError", "collect_sources", "load_schema"]

SCH = "http://purl.oclc.org/dsdl/schematron"
_S = f"{{{SCH}}}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class SchematronCompileError(Exception):
    """The Schematron source cannot be compiled (bad include, unknown abstract pattern, ...)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


@dataclass
class LoadedSchema:
    """A Schematron schema with includes resolved and abstract patterns instantiated."""

    root: etree._Element
    sources: list[Path] = field(default_factory=list)


def _resolve_includes(el: etree._Element, base: Path, sources: list[Path], depth: int = 0) -> None:
    if depth > 32:
        raise SchematronCompileError("include nesting too deep (cycle?)")
    for inc in list(el.iter(f"{_S}include")):
        href = inc.get("href")
        if not href:
            raise SchematronCompileError("sch:include without href")
        path = (base.parent / href).resolve()
        if not path.is_file():
            raise SchematronCompileError(f"included file not found: {href} (from {base})")
        sources.append(path)
        included = etree.parse(str(path), _parser()).getroot()
        _resolve_includes(included, path, sources, depth + 1)
        parent = inc.getparent()
        if parent is None:
            raise SchematronCompileError("sch:include cannot be the root element")
        included.tail = inc.tail
        # keep the included file's location for relative references in it (xsl:import/include)
        included.set(_XML_BASE, path.as_uri())
        parent.replace(inc, included)


def _substitute(text: str, params: list[tuple[str, str]]) -> str:
    # Textual macro substitution as in iso_abstract_expand: longest names first, so that
    # `$BR-CO-10` is never consumed by a shorter parameter `$BR-CO-1`.
    for name, value in params:
        text = text.replace("$" + name, value)
    return text


def _instantiate(instance: etree._Element, abstract: etree._Element) -> etree._Element:
    params = [(p.get("name", ""), p.get("value", "")) for p in instance.findall(f"{_S}param")]
    params.sort(key=lambda nv: len(nv[0]), reverse=True)
    new = etree.Element(f"{_S}pattern", nsmap=abstract.nsmap)
    for k, v in instance.attrib.items():
        if k not in ("is-a", "abstract"):
            new.set(k, v)
    for child in abstract:
        if child.tag == f"{_S}param":
            continue
        c = copy.deepcopy(child)
        for node in c.iter():
            if not isinstance(node.tag, str):
                continue
            for k, v in node.attrib.items():
                if "$" in v:
                    node.set(k, _substitute(v, params))
        new.append(c)
    # Lets and rules the instance declares itself come after the abstract body.
    for child in instance:
        if child.tag != f"{_S}param":
            new.append(copy.deepcopy(child))
    new.tail = instance.tail
    return new


def _expand_abstract_patterns(root: etree._Element) -> None:
    abstracts = {p.get("id"): p for p in root.iter(f"{_S}pattern") if p.get("abstract") == "true"}
    for p in list(root.iter(f"{_S}pattern")):
        is_a = p.get("is-a")
        if is_a:
            if is_a not in abstracts:
                raise SchematronCompileError(f"pattern {p.get('id')!r}: unknown abstract pattern {is_a!r}")
            p.getparent().replace(p, _instantiate(p, abstracts[is_a]))
    for p in abstracts.values():
        p.getparent().remove(p)


def _expand_abstract_rules(root: etree._Element) -> None:
    abstract_rules = {r.get("id"): r for r in root.iter(f"{_S}rule") if r.get("abstract") == "true"}
    for ext in list(root.iter(f"{_S}extends")):
        ref = ext.get("rule")
        if ref not in abstract_rules:
            raise SchematronCompileError(f"sch:extends: unknown abstract rule {ref!r}")
        parent = ext.getparent()
        idx = parent.index(ext)
        parent.remove(ext)
        for i, child in enumerate(abstract_rules[ref]):
            parent.insert(idx + i, copy.deepcopy(child))
    for r in abstract_rules.values():
        r.getparent().remove(r)


def load_schema(sch_path: Path) -> LoadedSchema:
    """Parse a .sch file, resolve includes and instantiate abstract patterns and rules."""
    sch_path = Path(sch_path).resolve()
    sources = [sch_path]
    root = etree.parse(str(sch_path), _parser()).getroot()
    if root.tag != f"{_S}schema":
        raise SchematronCompileError(f"{sch_path}: root element is not an ISO Schematron schema")
    qb = (root.get("queryBinding") or "xslt").lower()
    if qb not in ("xslt2", "xslt3", "xpath2", "xpath3", "xpath31"):
        raise SchematronCompileError(f"unsupported queryBinding {qb!r} (need xslt2 or xslt3)")
    _resolve_includes(root, sch_path, sources)
    _expand_abstract_patterns(root)
    _expand_abstract_rules(root)
    return LoadedSchema(root=root, sources=sources)


# ---------------------------------------------------------------------------------------------
# Emission


def collect_sources(path: Path, found: list[Path], depth: int = 0) -> None:
    """The file and everything it includes, transitively (without expanding anything)."""
    if depth > 32:
        raise SchematronCompileError("include nesting too deep (cycle?)")
    found.append(path)
    for inc in etree.parse(str(path), _parser()).getroot().iter(f"{_S}include"):
        target = (path.parent / (inc.get("href") or "")).resolve()
        if not target.is_file():
            raise SchematronCompileError(f"included file not found: {inc.get('href')} (from {path})")
        collect_sources(target, found, depth + 1)
