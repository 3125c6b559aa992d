"""The matching engine (pure: no database, no FastAPI). See ``engine.match``."""

from service.matching.engine import match
from service.matching.types import (
    ACCEPTABLE_VARIANCES,
    ENGINE_VERSION,
    AcceptedVariance,
    AllowanceCharge,
    Check,
    CheckOutcome,
    CreditTarget,
    Decision,
    InvoiceFacts,
    InvoiceLine,
    Ledger,
    LedgerDelta,
    ManualPairing,
    MatchInputs,
    OrderLine,
    OrderReference,
    OrderSnapshot,
    Outcome,
    Policy,
    PriorInvoice,
    ReceiptMode,
    ReceiptMovement,
    ReceiptTotals,
    StandingOrder,
    SupplierFacts,
)
from service.matching.versions import RULES, UnknownEngineVersion

__all__ = [
    "ACCEPTABLE_VARIANCES", "ENGINE_VERSION", "AcceptedVariance", "AllowanceCharge", "ManualPairing", "Check", "CheckOutcome", "CreditTarget", "Decision", "InvoiceFacts",
    "InvoiceLine", "Ledger", "LedgerDelta", "MatchInputs", "OrderLine", "OrderReference", "OrderSnapshot",
    "Outcome", "Policy", "PriorInvoice", "RULES", "ReceiptMode", "ReceiptMovement", "ReceiptTotals", "StandingOrder",
    "SupplierFacts", "UnknownEngineVersion", "match",
]
