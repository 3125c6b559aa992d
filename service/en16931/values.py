"""What both syntax parsers (UBL parser.py, CII cii.py) share: the error and reading the values of
the elements they found (text, required text, number, identifier). Each parser keeps its own way of
finding elements (UBL: an index of children; CII: ElementPath with namespace prefixes)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from service.en16931.model import Identifier

__all__ = ["DocumentError", "decimal_of", "required", "text_of", "identifier_of", "identifiers_of"]


class DocumentError(ValueError):
    """The document cannot be mapped to the EN 16931 model (wrong root, missing or unreadable term)."""

    def __init__(self, message: str, term: str | None = None) -> None:
        super().__init__(message)
        self.term = term


def decimal_of(value: str | None, term: str) -> Decimal | None:
    """The number a term holds, exactly as written (no rescaling); DocumentError names the term."""
    if value is None:
        return None
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise DocumentError(f"{term} is not a number: {value!r}", term) from None
    if not result.is_finite():
        raise DocumentError(f"{term} is not a finite number: {value!r}", term)
    return result


def text_of(found: Any) -> str | None:
    """An element's text without surrounding white space; None for no element or no text."""
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def required(value: str | None, path: str, term: str) -> str:
    """``value``, or DocumentError naming the missing term and where it was looked for."""
    if value is None:
        raise DocumentError(f"{term} is missing ({path})", term)
    return value


def identifier_of(found: Any, attr: str = "schemeID") -> Identifier | None:
    """An identifier element as value and scheme (the ``attr`` attribute); None when it has no text."""
    if found is None or not (found.text or "").strip():
        return None
    scheme = found.get(attr)
    return Identifier(value=found.text.strip(), scheme=scheme.strip() if scheme else None)


def identifiers_of(elements: Iterable[Any], attr: str = "schemeID") -> tuple[Identifier, ...]:
    """The identifiers of the elements that have text, in document order."""
    return tuple(i for i in (identifier_of(el, attr) for el in elements) if i is not None)
