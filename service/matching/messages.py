"""Dutch and English texts for each check (pure)."""

from __future__ import annotations

from service.reasons import ReasonCode

# check name -> (Dutch, English) label
LABELS: dict[str, tuple[str, str]] = {
    "supplier_known": ("Bekende leverancier", "Known supplier"),
    "bank_account": ("Rekeningnummer (BT-84) bekend bij leverancier", "Payment account (BT-84) known for supplier"),
    "duplicate_suspected": ("Geen mogelijk dubbele factuur", "No suspected duplicate"),
    "order_reference": ("Inkooporderverwijzing (BT-13)", "Purchase order reference (BT-13)"),
    "order_found": ("Inkooporder bekend", "Purchase order known"),
    "order_open": ("Inkooporder open", "Purchase order open"),
    "order_supplier": ("Verkoper is leverancier van de order", "Seller is the order's supplier"),
    "currency": ("Valuta (BT-5)", "Currency (BT-5)"),
    "total": ("Totaal incl. btw (BT-112) tegen herberekend totaal", "Total with VAT (BT-112) against recomputed total"),
    "payable": ("Te betalen (BT-115) tegen herberekend totaal min vooruitbetaald", "Amount due (BT-115) against recomputed total less paid"),
    "charge": ("Toeslag op documentniveau", "Document-level charge"),
    "standing_order": ("Vaste opdracht (zonder inkooporder)", "Standing order (no purchase order)"),
    "standing_order_period": ("Vaste opdracht geldig op factuurdatum", "Standing order valid on issue date"),
    "standing_order_amount": ("Bedrag (BT-109) binnen vaste opdracht in deze periode", "Amount (BT-109) within standing order for the period"),
    "credit_target": ("Gecorrigeerde factuur (BT-25)", "Corrected invoice (BT-25)"),
    "credit_quantity": ("Gecrediteerde hoeveelheid tegen gefactureerde", "Credited quantity against invoiced"),
    "line_pairing": ("Factuurregel gekoppeld aan orderregel", "Invoice line paired with order line"),
    "unit": ("Eenheid (BT-130) omrekenbaar", "Unit (BT-130) convertible"),
    "price": ("Netto prijs per eenheid (BT-146/BT-149)", "Net price per unit (BT-146/BT-149)"),
    "quantity_ordered": ("Cumulatief gefactureerd tegen besteld", "Cumulative invoiced against ordered"),
    "quantity_received": ("Cumulatief gefactureerd tegen ontvangen", "Cumulative invoiced against received"),
    "vat": ("Btw-categorie en -tarief (BT-151/BT-152)", "VAT category and rate (BT-151/BT-152)"),
    "rounding": ("Afrondingsbedrag (BT-114) binnen tolerantie", "Rounding amount (BT-114) within tolerance"),
    # normalisations and conversions that made a comparison pass (engine 2)
    "order_lookup": ("Inkooporder gevonden", "Purchase order found"),
    "iban_format": ("Schrijfwijze rekeningnummer", "Way the account number is written"),
    "unit_conversion": ("Eenheid omgerekend", "Unit converted"),
    "price_conversion": ("Prijs omgerekend", "Price converted"),
    "price_discount": ("Prijskorting", "Price discount"),
    "lines_summed": ("Factuurregels opgeteld per orderregel", "Invoice lines summed per order line"),
    "receipts_netted": ("Ontvangsten en retouren verrekend", "Receipts and returns netted"),
    "prepaid_rounding": ("Vooruitbetaling en afronding", "Prepayment and rounding"),
    "vat_breakdown": ("Btw per tarief", "VAT per rate"),
}

# The checks that record a normalisation or conversion (shown as such in /decision and the UI).
NORMALISATIONS = frozenset({"order_lookup", "iban_format", "unit_conversion", "price_conversion", "price_discount",
                            "lines_summed", "receipts_netted", "prepaid_rounding", "vat_breakdown"})

_OUTCOME = {"pass": ("in orde", "passed"), "fail": ("afwijking", "failed"), "skip": ("niet uitgevoerd", "not performed")}


def texts(name: str, outcome: str, code: str | None, line_id: str | None, expected: str | None,
          actual: str | None, tolerance: str | None, note_nl: str = "", note_en: str = "") -> tuple[str, str]:
    """The (Dutch, English) message of one check."""
    nl_label, en_label = LABELS.get(name, (name, name))
    nl, en = [], []
    if line_id:
        nl.append(f"Regel {line_id}:")
        en.append(f"Line {line_id}:")
    if code:
        rc = ReasonCode(code)
        nl.append(rc.message_nl)
        en.append(rc.message_en)
    else:
        nl.append(f"{nl_label}: {_OUTCOME[outcome][0]}.")
        en.append(f"{en_label}: {_OUTCOME[outcome][1]}.")
    if expected is not None or actual is not None:
        nl.append(f"Verwacht {expected if expected is not None else '-'}, "
                  f"werkelijk {actual if actual is not None else '-'}"
                  + (f" (tolerantie {tolerance})" if tolerance else "") + ".")
        en.append(f"Expected {expected if expected is not None else '-'}, "
                  f"actual {actual if actual is not None else '-'}"
                  + (f" (tolerance {tolerance})" if tolerance else "") + ".")
    if note_nl or note_en:
        nl.append(note_nl or note_en)
        en.append(note_en or note_nl)
    return " ".join(nl), " ".join(en)
