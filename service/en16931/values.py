"""What both syntax parsers (UBL parser.py, CII cii.py) share: the error and reading a number."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["DocumentError", "decimal_of"]


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
