"""Dutch and English texts of resolving invoice lines by hand and of the context shown next to them
(merged into i18n.TEXTS)."""

from __future__ import annotations

# key -> (Dutch, English)
RESOLVE_TEXTS: dict[str, tuple[str, str]] = {
    "resolve_title": ("Regels oplossen", "Resolve lines"),
    "resolve_hint": ("Koppel een regel die de matching niet kon plaatsen, of accepteer een afwijking met een reden. "
                     "Alles wordt vastgelegd.",
                     "Pair a line that matching could not place, or accept a variance with a reason. "
                     "Everything is recorded."),
    "pair_line": ("Regel {line} koppelen aan orderregel", "Pair line {line} with order line"),
    "pair_button": ("Koppelen", "Pair"),
    "accept_variance": ("{code} op regel {line} accepteren", "Accept {code} on line {line}"),
    "accept_reason": ("Reden (verplicht)", "Reason (required)"),
    "accept_button": ("Afwijking accepteren", "Accept variance"),
    "accept_four_eyes": ("Als er daarna niets meer openstaat, keurt u de factuur hiermee goed; de regels voor "
                         "vier ogen gelden gewoon.",
                         "When nothing else is open after this, you approve the invoice with it; the four-eyes "
                         "rules apply as usual."),
    "accepted_by": ("Geaccepteerd door {who}: {reason}", "Accepted by {who}: {reason}"),
    "msg_line_paired": ("Regel gekoppeld; factuur {ref} is opnieuw gematcht.",
                        "Line paired; invoice {ref} was matched again."),
    "msg_line_paired_approved": ("Regel gekoppeld; factuur {ref} is opnieuw gematcht en nu goedgekeurd.",
                                 "Line paired; invoice {ref} was matched again and is now approved."),
    "msg_variance_accepted": ("Afwijking geaccepteerd op factuur {ref}; er staat nog iets open.",
                              "Variance accepted on invoice {ref}; something else is still open."),
    "msg_variance_accepted_approved": ("Afwijking geaccepteerd en factuur {ref} goedgekeurd.",
                                       "Variance accepted and invoice {ref} approved."),
    "msg_variance_accepted_awaiting": ("Afwijking geaccepteerd; factuur {ref} wacht op een tweede goedkeuring.",
                                       "Variance accepted; invoice {ref} awaits a second approval."),
    "err_resolve": ("Dat kan niet: kies een regel van de order, en geef bij een afwijking een reden.",
                    "That is not possible: choose a line of the order, and give a reason for a variance."),
    "consumed_by": ("Eerder gefactureerd op deze orderregel", "Invoiced before on this order line"),
    # the invoice's matching history (_decision_history.html)
    "decisions_title": ("Matchingbeslissingen", "Matching decisions"),
    "decision_trigger": ("Aanleiding", "Trigger"),
    "decision_outcome": ("Uitkomst", "Outcome"),
    "outcome_approve": ("Goedgekeurd door het systeem", "Approved by the system"),
    "outcome_review": ("Ter beoordeling", "For review"),
    "trigger_intake": ("Ontvangst", "Receipt of the invoice"),
    "trigger_re_match": ("Opnieuw gematcht na een wijziging", "Matched again after a change"),
    "trigger_manual_re_match": ("Opnieuw gematcht op verzoek", "Matched again on request"),
    "trigger_order_linked": ("Order gekoppeld", "Order linked"),
    "trail_matched": ("Automatisch gematcht (matching {version})", "Matched automatically (matching {version})"),
    "trail_matched_decision": ("beslissing", "decision"),
    "trail_booked": ("Geboekt in het ERP als {document}", "Booked in the ERP as {document}"),
    "trail_paid": ("Betaald: {amount} op {date}", "Paid: {amount} on {date}"),
    "trail_paid_reference": ("kenmerk {reference}", "reference {reference}"),
    "actor_system": ("Systeem", "System"),  # the actor "system" in the trail and the matching history
    "trail_order_linked": ("Order gekoppeld: {before} → {after}", "Order linked: {before} → {after}"),
    "trigger_line_paired": ("Regel gekoppeld", "Line paired"),
    "trigger_variance_accepted": ("Afwijking geaccepteerd", "Variance accepted"),
    "trigger_prestatieverklaring": ("Prestatieverklaring", "Delivery confirmation"),
    "duplicate_of": ("Dubbel van de eerste factuur met dit nummer", "Duplicate of the first invoice with this number"),
    # saved views of the find list (service/ui/saved_views.py)
    "views_title": ("Bewaarde weergaven", "Saved views"),
    "views_none": ("Nog geen bewaarde weergaven.", "No saved views yet."),
    "view_name": ("Deze weergave bewaren als", "Save this view as"),
    "view_save": ("Bewaren", "Save"),
    "view_delete": ("Verwijderen", "Delete"),
    "view_delete_named": ("Weergave {name} verwijderen", "Delete view {name}"),
    "msg_view_saved": ("Weergave bewaard.", "View saved."),
    "msg_view_refused": ("Niet bewaard: geef een naam (u kunt er hoogstens 50 bewaren).",
                         "Not saved: give a name (you can keep at most 50)."),
    "msg_view_deleted": ("Weergave verwijderd.", "View deleted."),
}

# UN/ECE Rec 20 (and Rec 21 packaging) codes by name: (Dutch, English). Codes not listed show as they are.
UNIT_NAMES: dict[str, tuple[str, str]] = {
    "C62": ("stuk", "unit"), "H87": ("stuk", "piece"), "EA": ("stuk", "each"), "NAR": ("artikel", "article"),
    "PR": ("paar", "pair"), "DZN": ("dozijn", "dozen"), "DPC": ("dozijn stuks", "dozen pieces"),
    "CEN": ("honderd", "hundred"), "MIL": ("duizend", "thousand"), "GRO": ("gros", "gross"),
    "SEC": ("seconde", "second"), "MIN": ("minuut", "minute"), "HUR": ("uur", "hour"), "DAY": ("dag", "day"),
    "WEE": ("week", "week"), "MON": ("maand", "month"), "QAN": ("kwartaal", "quarter"), "ANN": ("jaar", "year"),
    "MGM": ("milligram", "milligram"), "GRM": ("gram", "gram"), "KGM": ("kilogram", "kilogram"),
    "TNE": ("ton", "tonne"), "MMT": ("millimeter", "millimetre"), "CMT": ("centimeter", "centimetre"),
    "MTR": ("meter", "metre"), "KMT": ("kilometer", "kilometre"), "MTK": ("vierkante meter", "square metre"),
    "MTQ": ("kubieke meter", "cubic metre"), "LTR": ("liter", "litre"), "MLT": ("milliliter", "millilitre"),
    "CLT": ("centiliter", "centilitre"), "HLT": ("hectoliter", "hectolitre"), "KWH": ("kilowattuur", "kilowatt hour"),
    "MWH": ("megawattuur", "megawatt hour"), "WHR": ("wattuur", "watt hour"), "JOU": ("joule", "joule"),
    "XPK": ("pak", "package"), "XBX": ("doos", "box"), "XCT": ("karton", "carton"), "XPA": ("pakje", "packet"),
    "XRO": ("rol", "roll"), "XPX": ("pallet", "pallet"), "SET": ("set", "set"), "LS": ("post", "lump sum"),
    "E48": ("dienst", "service unit"), "ZZ": ("eenheid", "unit"),
}

# The same units after a quantity other than one: (Dutch, English). Dutch keeps measures singular
# ("3 kilogram", "2 uur", "5 paar"); English counts them ("3 kilograms"). Units missing here read
# the same in both numbers.
UNIT_PLURALS: dict[str, tuple[str, str]] = {
    "C62": ("stuks", "units"), "H87": ("stuks", "pieces"), "EA": ("stuks", "each"), "NAR": ("artikelen", "articles"),
    "PR": ("paar", "pairs"), "SEC": ("seconden", "seconds"), "MIN": ("minuten", "minutes"), "HUR": ("uur", "hours"),
    "DAY": ("dagen", "days"), "WEE": ("weken", "weeks"), "MON": ("maanden", "months"), "QAN": ("kwartalen", "quarters"),
    "ANN": ("jaar", "years"), "MGM": ("milligram", "milligrams"), "GRM": ("gram", "grams"),
    "KGM": ("kilogram", "kilograms"), "TNE": ("ton", "tonnes"), "MMT": ("millimeter", "millimetres"),
    "CMT": ("centimeter", "centimetres"), "MTR": ("meter", "metres"), "KMT": ("kilometer", "kilometres"),
    "MTK": ("vierkante meter", "square metres"), "MTQ": ("kubieke meter", "cubic metres"), "LTR": ("liter", "litres"),
    "MLT": ("milliliter", "millilitres"), "CLT": ("centiliter", "centilitres"), "HLT": ("hectoliter", "hectolitres"),
    "KWH": ("kilowattuur", "kilowatt hours"), "MWH": ("megawattuur", "megawatt hours"), "WHR": ("wattuur", "watt hours"),
    "JOU": ("joule", "joules"), "XPK": ("pakken", "packages"), "XBX": ("dozen", "boxes"), "XCT": ("kartons", "cartons"),
    "XPA": ("pakjes", "packets"), "XRO": ("rollen", "rolls"), "XPX": ("pallets", "pallets"), "SET": ("sets", "sets"),
    "LS": ("posten", "lump sums"), "E48": ("diensten", "service units"), "ZZ": ("eenheden", "units"),
}
