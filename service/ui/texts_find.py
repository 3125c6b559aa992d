"""Dutch and English texts of the workspace's find list and its exports (merged into i18n.TEXTS)."""

from __future__ import annotations

# key -> (Dutch, English)
FIND_TEXTS: dict[str, tuple[str, str]] = {
    "nav_find": ("Zoeken", "Find"),
    "find_title": ("Facturen zoeken", "Find invoices"),
    "find_label": ("Zoek op factuurnummer, leverancier, KvK- of btw-nummer, order of bedrag",
                   "Search by invoice number, supplier, Chamber of Commerce or VAT number, order or amount"),
    "find_hint": ("Alle woorden moeten kloppen; een bedrag zoekt exact (1.656,25).",
                  "Every word must match; an amount is found exactly (1,656.25)."),
    "find_button": ("Zoeken", "Search"),
    "find_status": ("Status", "Status"),
    "find_any_status": ("Elke status", "Any status"),
    "find_count": ("{n} facturen", "{n} invoices"),
    "find_count_one": ("1 factuur", "1 invoice"),
    "find_empty": ("Geen facturen gevonden. Probeer minder of andere woorden.",
                   "No invoices found. Try fewer or other words."),
    "find_page": ("Pagina {n} van {total}", "Page {n} of {total}"),
    "previous_page": ("Vorige pagina", "Previous page"),
    "pages": ("Pagina's", "Pages"),
    "sort_by": ("Sorteer op {column}", "Sort by {column}"),
    "export": ("Exporteren", "Export"),
    "export_csv": ("Exporteren als CSV", "Export as CSV"),
    "export_xlsx": ("Exporteren als Excel (XLSX)", "Export as Excel (XLSX)"),
    "col_issue_date": ("Factuurdatum", "Issue date"),
    "col_currency": ("Valuta", "Currency"),
    "col_status": ("Status", "Status"),
    "col_id": ("Kenmerk", "Id"),
    # resolving in place (invoice page)
    "rematch": ("Opnieuw matchen", "Match again"),
    "rematch_hint": ("Met de orders, ontvangsten en leveranciersgegevens van nu; wordt vastgelegd.",
                     "With today's orders, receipts and supplier data; recorded."),
    "msg_rematched": ("Factuur {ref} is opnieuw gematcht en blijft ter beoordeling.",
                      "Invoice {ref} was matched again and stays under review."),
    "msg_rematch_approved": ("Factuur {ref} is opnieuw gematcht en nu goedgekeurd.",
                             "Invoice {ref} was matched again and is approved now."),
}
