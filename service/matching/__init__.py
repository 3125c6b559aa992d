"""The matching engine (pure: no database, no FastAPI). See ``engine.match``."""

from service.matching.engine import match
from service.matching.types import (
    ENGINE_VERSION,
    AllowanceCharge,
    Check,
    CheckOutcome,
    CreditTarget,
    Decision,
    InvoiceFacts,
    InvoiceLine,
    Ledger,
    LedgerDelta,
    MatchInputs,
    OrderLine,
    OrderSnapshot,
    Outcome,
    Policy,
    ReceiptMode,
    ReceiptTotals,
    StandingOrder,
    SupplierFacts,
)

__all__ = [
    "ENGINE_VERSION", "AllowanceCharge", "Check", "CheckOutcome", "CreditTarget", "Decision", "InvoiceFacts",
    "InvoiceLine", "Ledger", "LedgerDelta", "MatchInputs", "OrderLine", "OrderSnapshot", "Outcome", "Policy",
    "ReceiptMode", "ReceiptTotals", "StandingOrder", "SupplierFacts", "match",
]
