"""Dutch and English texts of the bank-account verification pages (merged into i18n.TEXTS)."""

from __future__ import annotations

# key -> (Dutch, English)
BANK_ACCOUNT_TEXTS: dict[str, tuple[str, str]] = {
    "iban_propose_title": ("Rekening voorstellen", "Propose the account"),
    "iban_propose_hint": ("Een nieuw rekeningnummer wordt nooit met de factuur mee goedgekeurd: stel het voor; "
                          "een andere persoon met het recht om rekeningen te verifiëren controleert het.",
                          "A new account is never approved along with the invoice: propose it; a different "
                          "person with the right to verify accounts checks it."),
    "iban_label": ("IBAN", "IBAN"),
    "iban_note": ("Waar komt het rekeningnummer vandaan?", "Where does the account come from?"),
    "iban_propose": ("Voorstellen", "Propose"),
    "iban_pending": ("Voorgesteld, wacht op verificatie", "Proposed, awaiting verification"),
    "supplier_page": ("Leverancier", "Supplier"),
    "bank_accounts": ("Geverifieerde rekeningen", "Verified accounts"),
    "no_bank_accounts": ("Geen geverifieerde rekeningen.", "No verified accounts."),
    "bank_history": ("Geschiedenis van de rekeningen", "Account history"),
    "no_bank_history": ("Nog geen voorstellen.", "No proposals yet."),
    "change_action": ("Wijziging", "Change"),
    "action_add": ("Toevoegen", "Add"),
    "action_remove": ("Verwijderen", "Remove"),
    "change_status": ("Status", "Status"),
    "change_proposed": ("Voorgesteld", "Proposed"),
    "change_verified": ("Geverifieerd", "Verified"),
    "change_rejected": ("Afgewezen", "Rejected"),
    "proposed_by": ("Voorgesteld door", "Proposed by"),
    "decided_by": ("Besloten door", "Decided by"),
    "method": ("Hoe geverifieerd", "How verified"),
    "method_callback": ("Teruggebeld op een bekend nummer", "Called back on a known number"),
    "method_signed_letter": ("Getekende brief", "Signed letter"),
    "method_portal": ("Leveranciersportaal", "Supplier portal"),
    "verify_note": ("Toelichting (optioneel)", "Note (optional)"),
    "verify": ("Verifiëren", "Verify"),
    "reject_change": ("Afwijzen", "Reject"),
    "msg_iban_proposed": ("Rekening {ref} is voorgesteld; een andere persoon moet haar verifiëren.",
                          "Account {ref} was proposed; a different person must verify it."),
    "msg_iban_verified": ("Rekening {ref} is geverifieerd; wachtende facturen zijn opnieuw gematcht.",
                          "Account {ref} was verified; waiting invoices were matched again."),
    "msg_iban_rejected": ("Het voorstel voor rekening {ref} is afgewezen.", "The proposal for account {ref} was rejected."),
    "err_verifier_must_differ": ("U stelde deze wijziging voor; een andere persoon moet haar verifiëren of afwijzen.",
                                 "You proposed this change; a different person must verify or reject it."),
    "err_change_decided": ("Over dit voorstel is al besloten.", "This proposal was already decided."),
    "err_iban_invalid": ("Dat is geen geldig IBAN, of de toelichting ontbreekt.", "That is not a valid IBAN, or the note is missing."),
    "err_iban_unchanged": ("Deze rekening is al geverifieerd of al voorgesteld.", "This account is already verified or proposed."),
    # the auditor's report of manual approvals
    "report_title": ("Handmatige goedkeuringen", "Manual approvals"),
    "report_hint": ("Elke goedkeuring door een persoon die een factuur vrijgaf: wie, wanneer, welke redenen werden "
                    "overruled, de tweede goedkeurder en de regel die gold (datums in UTC).",
                    "Every approval by a person that released an invoice: who, when, which reasons were overridden, "
                    "the second approver and the rule that applied (dates in UTC)."),
    "report_period": ("Periode", "Period"),
    "report_from": ("Van", "From"),
    "report_to": ("Tot en met", "Up to and including"),
    "report_show": ("Tonen", "Show"),
    "report_when": ("Goedgekeurd op", "Approved at"),
    "report_who": ("Goedgekeurd door", "Approved by"),
    "report_first": ("Eerste goedkeuring", "First approval"),
    "report_alone": ("alleen (geen tweede nodig)", "alone (no second needed)"),
    "report_overridden": ("Overruled redenen", "Overridden reasons"),
    "report_rule": ("Regel", "Rule"),
    "report_none": ("Geen handmatige goedkeuringen in deze periode.", "No manual approvals in this period."),
    "nav_approvals_report": ("Goedkeuringen", "Approvals"),
    # the audit trail on the invoice page: which approval step an event was
    "trail_approval_single": ("Goedkeuring door één persoon", "Approval by one person"),
    "trail_approval_first": ("Eerste goedkeuring (vier ogen)", "First approval (four eyes)"),
    "trail_approval_second": ("Tweede goedkeuring (vier ogen)", "Second approval (four eyes)"),
}
