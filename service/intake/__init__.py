"""Invoice intake: receive, secure, store, parse to EN 16931, deduplicate (see ``receive.py``)."""

from service.intake.guard import HostileDocument, MalformedDocument, parse_untrusted
from service.intake.receive import (
    BuyerUnknown,
    DuplicateInvoice,
    InvoiceRejected,
    Receipt,
    ReceiptOutcome,
    SellerNotYours,
    ValidationUnavailable,
    receive,
    seller_key,
)

__all__ = [
    "BuyerUnknown",
    "DuplicateInvoice",
    "HostileDocument",
    "InvoiceRejected",
    "MalformedDocument",
    "Receipt",
    "ReceiptOutcome",
    "SellerNotYours",
    "ValidationUnavailable",
    "parse_untrusted",
    "receive",
    "seller_key",
]
