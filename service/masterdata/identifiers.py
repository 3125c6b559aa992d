"""Identifier checks: IBAN, VAT (incl. the Dutch BTW-id), GLN, KvK, OIN, and their normal forms.

IBAN, VAT and GLN are checked with python-stdnum (the Dutch BTW-id accepts both the old BSN-based
11-test and the mod 97-10 checksum of the 2020 "btw-identificatienummer"). KvK and OIN have no
stdnum module: KvK is 8 digits; an OIN is 20 digits in Logius' structure (an 8-digit prefix
``0000000N`` naming the source register, then that register's number and a suffix), and where the
source register has a checksum (N=1: RSIN, 11-test) it is checked too.

``check(scheme, value)`` returns the normal form (compact, upper case) or raises ``IdentifierError``
with a one-line reason; ``normalise(value)`` gives the form used for look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from stdnum import ean, iban, vatin
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import btw, bsn

__all__ = [
    "KNOWN_SCHEMES",
    "IdentifierError",
    "check",
    "check_iban",
    "check_kvk",
    "check_oin",
    "check_vat",
    "check_gln",
    "normalise",
    "normalise_address",
    "seller_key",
]

KVK, OIN, GLN, VAT = "0106", "0190", "0088", "VAT"
KNOWN_SCHEMES = {KVK: "KvK number", OIN: "OIN", GLN: "GLN", VAT: "VAT id"}

_SEPARATORS = re.compile(r"[\s.\-/]+")


class IdentifierError(ValueError):
    """The value is not a valid identifier of its scheme (message says why)."""


def normalise(value: str) -> str:
    """Look-up form: separators (spaces, dots, dashes, slashes) removed, upper case."""
    return _SEPARATORS.sub("", value or "").upper()


class SchemeValue(Protocol):
    scheme: str | None
    value: str


def seller_key(electronic_address: SchemeValue | None, identifiers: Iterable[SchemeValue] = (),
               vat_id: str | None = None) -> str | None:
    """An invoice seller's identity, normalised: ``<scheme>:<value>`` of BT-34, else ``VAT:<BT-31>``,
    else the first BT-29/BT-30. Intake stores it on every invoice; the matching service finds the
    invoices of a seller that was unknown until a supplier got one of its keys."""
    if electronic_address is not None and electronic_address.value.strip():
        return f"{(electronic_address.scheme or '').strip().upper()}:{_compact(electronic_address.value)}"[:300]
    if vat_id and vat_id.strip():
        return f"VAT:{_compact(vat_id)}"[:300]
    for ident in identifiers:
        if ident.value.strip():
            return f"{(ident.scheme or '').strip().upper()}:{_compact(ident.value)}"[:300]
    return None


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def normalise_address(scheme: str | None, value: str) -> str:
    """Look-up form of an electronic address (BT-34): whitespace removed, upper case; separators go too
    where the scheme is an identifier we check (0106, 0190, 0088), so ``1234.5678`` finds ``12345678``."""
    if scheme and scheme.upper() in _CHECKS:
        return normalise(value)
    return re.sub(r"\s+", "", value or "").upper()


def check_kvk(value: str) -> str:
    number = normalise(value)
    if not re.fullmatch(r"\d{8}", number):
        raise IdentifierError("a KvK number has exactly 8 digits")
    if number == "00000000":
        raise IdentifierError("a KvK number cannot be all zeros")
    return number


def check_oin(value: str) -> str:
    number = normalise(value)
    if not re.fullmatch(r"\d{20}", number):
        raise IdentifierError("an OIN has exactly 20 digits")
    prefix = number[:8]
    if not re.fullmatch(r"0000000[1-9]", prefix):
        raise IdentifierError("an OIN starts with an 8-digit prefix 0000000N (N = source register, 1-9)")
    if prefix == "00000001" and not bsn.is_valid(number[8:17]):
        raise IdentifierError("an OIN with prefix 00000001 carries an RSIN that fails the 11-test")
    if prefix == "00000003" and number[8:16] == "00000000":
        raise IdentifierError("an OIN with prefix 00000003 carries a KvK number, which cannot be zero")
    if int(number[8:]) == 0:
        raise IdentifierError("an OIN cannot have an all-zero number")
    return number


def check_gln(value: str) -> str:
    number = normalise(value)
    if not re.fullmatch(r"\d{13}", number):
        raise IdentifierError("a GLN has exactly 13 digits")
    if not ean.is_valid(number):
        raise IdentifierError("the GLN check digit is wrong")
    return number


def check_vat(value: str) -> str:
    number = normalise(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z+*]{2,13}", number):
        raise IdentifierError("a VAT id starts with a 2-letter country prefix (e.g. NL123456789B01)")
    if number.startswith("NL"):
        if not btw.is_valid(number):
            raise IdentifierError(
                "not a valid Dutch BTW-id (NL + 9 digits + B + 2 digits, BSN 11-test or mod 97-10 checksum)"
            )
        return number
    try:
        return vatin.compact(vatin.validate(number))
    except StdnumError as exc:
        raise IdentifierError(f"not a valid VAT id: {exc.message}") from None


def check_iban(value: str) -> str:
    number = normalise(value)
    try:
        return iban.validate(number)
    except StdnumError as exc:
        raise IdentifierError(f"not a valid IBAN: {exc.message}") from None


_CHECKS = {KVK: check_kvk, OIN: check_oin, GLN: check_gln, VAT: check_vat}


def check(scheme: str, value: str) -> str:
    """Normal form of ``value`` under ``scheme``; other 4-digit ICD schemes only get normalised."""
    func = _CHECKS.get(scheme.upper() if scheme else scheme)
    if func is not None:
        return func(value)
    number = normalise(value)
    if not number:
        raise IdentifierError("the identifier is empty")
    return number
