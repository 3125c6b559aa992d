"""The matching service: where intake and master data hand over to the pure engine (service/matching).

- ``decide.decide_invoice``: intake's hand-over for every invoice that passed validation and was
  stored (order locked, decision stored with its inputs, ledger written, status changed);
- ``rematch``: invoices under review evaluated again after master data changed (called by the API
  and CLI layer in the same unit of work) or when the invoice a credit note waits for arrives;
- ``inputs``: everything the engine needs, read through master data's queries and the ledger;
- ``policy``: global policy versions and the effective policy of a decision (reads never write);
- ``record``: the decision row, its ledger entries and the invoice's reasons; reading them back;
- ``replay``: recompute a stored decision from its stored inputs.

The quantity ledger itself is ``service/ledger.py`` (the lifecycle keeps it in step with people's
decisions). Everything runs in the caller's transaction and only flushes.
"""

from service.decisions.decide import decide_invoice, prepare
from service.decisions.record import decision_history, latest_decision, load_decision
from service.decisions.rematch import rematch_order, rematch_orders, rematch_supplier

__all__ = ["decide_invoice", "decision_history", "latest_decision", "load_decision", "prepare", "rematch_order",
           "rematch_orders", "rematch_supplier"]
