"""Dutch (default) and English texts of the workspace, and Babel formatting per language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from service.reasons import ReasonCode
from service.ui.texts_bank_accounts import BANK_ACCOUNT_TEXTS
from service.ui.texts_find import FIND_TEXTS
from service.ui.texts_handover import HANDOVER_TEXTS
from service.ui.texts_rendering import RENDERING_TEXTS
from service.ui.texts_resolve import RESOLVE_TEXTS, UNIT_NAMES, UNIT_PLURALS

LANGUAGES = ("nl", "en")
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
TIMEZONE = "Europe/Amsterdam"

# key -> (Dutch, English)
TEXTS: dict[str, tuple[str, str]] = {
    "app_name": ("E-facturen", "E-invoices"),
    "skip_to_content": ("Naar de inhoud", "Skip to content"),
    "nav_queue": ("Te beoordelen", "Review queue"),
    "nav_dashboard": ("Dashboard", "Dashboard"),
    "nav_main": ("Hoofdmenu", "Main menu"),
    "logout": ("Afmelden", "Sign out"),
    "signed_in_as": ("Aangemeld als", "Signed in as"),
    "language": ("Taal", "Language"),
    "organisation": ("Organisatie", "Organisation"),
    "switch_organisation": ("Wisselen", "Switch"),
    "dashboard_this_organisation": ("Deze organisatie", "This organisation"),
    "dashboard_all_organisations": ("Alle organisaties", "All organisations"),
    "switch_language": ("Wissel taal", "Switch language"),
    "login_title": ("Aanmelden", "Sign in"),
    "username": ("Gebruikersnaam", "Username"),
    "password": ("Wachtwoord", "Password"),
    "login_button": ("Aanmelden", "Sign in"),
    "login_failed": (
        "Aanmelden mislukt. Controleer gebruikersnaam en wachtwoord. Na 5 mislukte pogingen wordt het account 15 minuten geblokkeerd.",
        "Sign-in failed. Check your username and password. After 5 failed attempts the account is locked for 15 minutes.",
    ),
    "sso_button": ("Aanmelden via {provider}", "Sign in with {provider}"),
    "sso_or_password": ("Of met een lokaal account", "Or with a local account"),
    "signed_out": ("U bent afgemeld.", "You have signed out."),
    "password_sign_in_off": (
        "Aanmelden met een wachtwoord is uitgeschakeld. Meld u aan via {provider}.",
        "Signing in with a password is switched off. Please sign in with {provider}.",
    ),
    "sso_refused_title": ("Aanmelden geweigerd", "Sign-in refused"),
    "sso_nothing_created": (
        "Er is niets vastgelegd en er is geen account aangemaakt.",
        "Nothing was recorded and no account was created.",
    ),
    "sso_try_again": ("Opnieuw aanmelden", "Sign in again"),
    "sso_technical_detail": ("Technische details (voor de beheerder)", "Technical details (for the administrator)"),
    "sso_state": (
        "Deze aanmelding hoort niet bij deze browser: de controlewaarde (state) klopt niet, of de aanmelding "
        "duurde langer dan 10 minuten. Begin opnieuw vanaf de aanmeldpagina.",
        "This sign-in does not belong to this browser: its check value (state) does not match, or the sign-in "
        "took longer than 10 minutes. Please start again from the sign-in page.",
    ),
    "sso_provider_error": (
        "De identity provider heeft de aanmelding niet toegestaan.",
        "The identity provider did not allow the sign-in.",
    ),
    "sso_provider_unreachable": (
        "De identity provider is niet bereikbaar of gaf een onbruikbaar antwoord. Probeer het later opnieuw; "
        "blijft dit zo, meld het dan bij de beheerder.",
        "The identity provider cannot be reached or gave an unusable answer. Please try again later; if it "
        "persists, tell the administrator.",
    ),
    "sso_token_exchange": (
        "De identity provider gaf geen geldig token voor deze aanmelding.",
        "The identity provider did not issue a valid token for this sign-in.",
    ),
    "sso_token_invalid": (
        "Het aanmeldtoken van de identity provider is ongeldig (handtekening, uitgever of nonce klopt niet).",
        "The identity provider's sign-in token is invalid (its signature, issuer or nonce is wrong).",
    ),
    "sso_audience": (
        "Het aanmeldtoken is voor een andere applicatie bestemd (verkeerde audience) en wordt niet geaccepteerd.",
        "The sign-in token was issued for another application (wrong audience) and is not accepted.",
    ),
    "sso_expired": (
        "Het aanmeldtoken is verlopen. Meld u opnieuw aan; gebeurt dit steeds, laat de beheerder dan de klok "
        "van deze server controleren.",
        "The sign-in token has expired. Please sign in again; if it keeps happening, ask the administrator to "
        "check this server's clock.",
    ),
    "sso_no_role": (
        "Uw account heeft geen toegang tot E-facturen: geen van uw groepen geeft een rol. Vraag uw beheerder "
        "om u aan de juiste groep toe te voegen.",
        "Your account has no access to E-invoices: none of your groups gives a role. Ask your administrator "
        "to add you to the right group.",
    ),
    "sso_no_organisation": (
        "Uw account heeft geen toegang tot E-facturen: geen van uw groepen hoort bij een organisatie van deze "
        "installatie. Vraag uw beheerder om u aan de groep van uw organisatie toe te voegen.",
        "Your account has no access to E-invoices: none of your groups belongs to an organisation of this "
        "installation. Ask your administrator to add you to your organisation's group.",
    ),
    "sso_account_conflict": (
        "Er bestaat al een lokaal account met de gebruikersnaam {detail}; het wordt niet overgenomen. Vraag de "
        "beheerder om dit op te lossen.",
        "A local account with the username {detail} already exists; it is not taken over. Ask the "
        "administrator to resolve this.",
    ),
    "sso_account_inactive": ("Uw account is uitgeschakeld.", "Your account has been disabled."),
    "session_expired": ("Uw sessie is verlopen; meld u opnieuw aan.", "Your session has expired; please sign in again."),
    "nul_character": ("Het adres van deze pagina bevat een ongeldig teken (NUL, U+0000). Haal het weg en probeer "
                      "het opnieuw.", "The address of this page contains an invalid character (NUL, U+0000). "
                      "Remove it and try again."),
    "nul_character_form": ("Het formulier bevat een ongeldig teken (NUL, U+0000). Haal het weg en probeer het "
                           "opnieuw.", "The form contains an invalid character (NUL, U+0000). Remove it and try again."),
    "csrf_failed": ("Het formulier is verlopen. Probeer het opnieuw.", "The form has expired. Please try again."),
    "queue_title": ("Facturen ter beoordeling", "Invoices under review"),
    "queue_count": ("{n} facturen", "{n} invoices"),
    "filters": ("Filters", "Filters"),
    "filter_reason": ("Reden", "Reason"),
    "filter_supplier": ("Leverancier", "Supplier"),
    "filter_order": ("Inkooporder", "Purchase order"),
    "filter_age": ("Leeftijd", "Age"),
    "filter_status": ("Status", "Status"),
    "any": ("Alle", "Any"),
    "older_than": ("Ouder dan {n} dagen", "Older than {n} days"),
    "apply": ("Toepassen", "Apply"),
    "clear": ("Wissen", "Clear"),
    "reason_counts": ("Aantal per reden", "Count per reason"),
    "col_due": ("Vervaldatum", "Due date"),
    "col_supplier": ("Leverancier", "Supplier"),
    "col_number": ("Factuurnummer", "Invoice number"),
    "col_order": ("Order", "Order"),
    "col_amount": ("Bedrag", "Amount"),
    "col_reasons": ("Redenen", "Reasons"),
    "col_received": ("Ontvangen", "Received"),
    "col_actions": ("Acties", "Actions"),
    "next_page": ("Volgende pagina", "Next page"),
    "first_page": ("Eerste pagina", "First page"),
    "queue_empty": ("Geen facturen gevonden. Goed werk!", "No invoices found. Well done!"),
    "overdue": ("{n} dagen over tijd", "{n} days overdue"),
    "due_in": ("nog {n} dagen", "{n} days left"),
    "due_today": ("vandaag", "today"),
    "shortcuts": ("Sneltoetsen", "Keyboard shortcuts"),
    "shortcut_next": ("volgende", "next"),
    "shortcut_prev": ("vorige", "previous"),
    "shortcut_open": ("openen", "open"),
    "shortcut_approve": ("goedkeuren", "approve"),
    "shortcut_reject": ("afwijzen", "reject"),
    "shortcut_hold": ("in de wacht", "hold"),
    "invoice": ("Factuur", "Invoice"),
    "credit_note": ("Creditnota", "Credit note"),
    "back_to_queue": ("Terug naar de lijst", "Back to the queue"),
    "previous_invoice": ("Vorige factuur", "Previous invoice"),
    "next_invoice": ("Volgende factuur", "Next invoice"),
    "status": ("Status", "Status"),
    "seller": ("Leverancier", "Supplier"),
    "buyer": ("Afnemer", "Buyer"),
    "issue_date": ("Factuurdatum", "Issue date"),
    "due_date": ("Vervaldatum", "Due date"),
    "received_at": ("Ontvangen op", "Received"),
    "purchase_order": ("Inkooporder", "Purchase order"),
    "buyer_reference": ("Referentie afnemer", "Buyer reference"),
    "iban": ("Rekeningnummer", "Payment account"),
    "payment_terms": ("Betaalvoorwaarden", "Payment terms"),
    "notes": ("Opmerkingen op de factuur", "Notes on the invoice"),
    "kvk": ("KvK / id", "Registration / id"),
    "vat_id": ("Btw-nummer", "VAT number"),
    "totals": ("Totalen", "Totals"),
    "total_net": ("Totaal excl. btw", "Total excl. VAT"),
    "total_vat": ("Btw", "VAT"),
    "total_gross": ("Totaal incl. btw", "Total incl. VAT"),
    "total_payable": ("Te betalen", "Amount due"),
    "charges": ("Toeslagen", "Charges"),
    "allowances": ("Kortingen", "Allowances"),
    "failed_checks": ("Afwijkingen", "Failed checks"),
    "no_failed_checks": ("Geen afwijkingen.", "No failed checks."),
    "normalisations": ("Omrekeningen en schrijfwijzen", "Conversions and normalisations"),
    "resembles": ("Lijkt op", "Resembles"),
    "line": ("Regel", "Line"),
    "expected": ("Verwacht", "Expected"),
    "actual": ("Werkelijk", "Actual"),
    "tolerance": ("Tolerantie", "Tolerance"),
    "document_level": ("hele factuur", "whole invoice"),
    "lines_title": ("Factuurregels naast de order", "Invoice lines beside the order"),
    "invoice_line": ("Factuurregel", "Invoice line"),
    "order_line": ("Orderregel", "Order line"),
    "item": ("Artikel", "Item"),
    "quantity": ("Aantal", "Quantity"),
    "unit_price": ("Prijs per eenheid", "Unit price"),
    "net_amount": ("Netto", "Net amount"),
    "vat": ("Btw", "VAT"),
    "ordered": ("Besteld", "Ordered"),
    "received": ("Ontvangen", "Received"),
    "order_price": ("Orderprijs", "Order price"),
    "no_order_line": ("geen orderregel", "no order line"),
    "receipt_required": ("ontvangst vereist", "receipt required"),
    "deviation": ("Afwijking", "Deviation"),
    "validation_warnings": ("Validatiewaarschuwingen", "Validation warnings"),
    "no_warnings": ("Geen waarschuwingen.", "No warnings."),
    "documents": ("Documenten", "Documents"),
    "original_document": ("Origineel document (XML)", "Original document (XML)"),
    "original_document_pdf": ("Origineel document (PDF met XML)", "Original document (PDF with XML)"),
    "visual_pdf": ("Factuurbeeld (PDF) bekijken", "View the invoice image (PDF)"),
    "received_as": ("Ontvangen als", "Received as"),
    "syntax_ubl": ("UBL 2.1", "UBL 2.1"),
    "syntax_cii": ("UN/CEFACT CII", "UN/CEFACT CII"),
    "in_pdf": ("in een Factur-X/ZUGFeRD-PDF", "in a Factur-X/ZUGFeRD PDF"),
    "in_envelope": ("in een Peppol-envelop", "in a Peppol envelope"),
    "validated_with": ("Gevalideerd met", "Validated with"),
    "business_process": ("Bedrijfsproces (BT-23)", "Business process (BT-23)"),
    "invoice_response": ("Factuurreactie", "Invoice Response"),
    "invoice_response_required": ("Verplicht: de leverancier wacht op een factuurreactie (Peppol-profiel 02)",
                                  "Required: the supplier expects an Invoice Response (Peppol profile 02)"),
    "envelope_sender": ("Afzender (envelop)", "Sender (envelope)"),
    "envelope_receiver": ("Ontvanger (envelop)", "Receiver (envelope)"),
    "envelope_document_type": ("Documenttype (envelop)", "Document type (envelope)"),
    "envelope_process": ("Proces (envelop)", "Process (envelope)"),
    "envelope_instance": ("Berichtkenmerk (envelop)", "Message identifier (envelope)"),
    "attachment": ("Bijlage", "Attachment"),
    "no_attachments": ("Geen bijlagen.", "No attachments."),
    "audit_trail": ("Historie", "Audit trail"),
    "when": ("Wanneer", "When"),
    "who": ("Wie", "Who"),
    "what": ("Wat", "What"),
    "comment_word": ("Opmerking", "Comment"),
    "actions": ("Beoordelen", "Review"),
    "approve": ("Goedkeuren", "Approve"),
    "confirm_approve_title": ("Goedkeuren bevestigen", "Confirm the approval"),
    "confirm_amount": ("Te betalen", "Amount due"),
    "confirm_open_reasons": ("U keurt goed ondanks deze open redenen:", "You approve despite these open reasons:"),
    "risky": ("Risico", "Risk"),
    "cancel": ("Annuleren", "Cancel"),
    "confirm_approve": ("Ja, goedkeuren", "Yes, approve"),
    "confirm_four_eyes": ("Vier ogen: na uw goedkeuring moet een tweede, andere persoon deze factuur goedkeuren.",
                          "Four eyes: after your approval a second, different person must approve this invoice."),
    "confirm_second": ("U geeft de tweede goedkeuring; de eerste gaf {who}.",
                       "You give the second approval; {who} gave the first."),
    "err_confirm": ("Bevestig de goedkeuring met de knop 'Ja, goedkeuren'.",
                    "Confirm the approval with the button 'Yes, approve'."),
    "awaiting_second": ("Wacht op mijn tweede goedkeuring", "Awaiting my second approval"),
    "reject": ("Afwijzen", "Reject"),
    "hold": ("In de wacht zetten", "Put on hold"),
    "add_comment": ("Opmerking toevoegen", "Add comment"),
    "comment_optional": ("Opmerking (optioneel)", "Comment (optional)"),
    "reject_reason": ("Reden van afwijzing (gaat naar de leverancier)", "Reason for rejection (sent to the supplier)"),
    "reject_codes": ("Redencodes", "Reason codes"),
    "other_codes": ("Andere redenen", "Other reasons"),
    "hold_comment": ("Waarom in de wacht? (optioneel)", "Why on hold? (optional)"),
    "comment_text": ("Opmerking", "Comment"),
    "not_actionable": ("Deze factuur is al beoordeeld ({status}).", "This invoice has been decided ({status})."),
    "msg_approved": ("Factuur {ref} is goedgekeurd.", "Invoice {ref} was approved."),
    "msg_rejected": ("Factuur {ref} is afgewezen.", "Invoice {ref} was rejected."),
    "msg_on_hold": ("Factuur {ref} staat in de wacht.", "Invoice {ref} is on hold."),
    "msg_awaiting_approval": ("Factuur {ref} is door u goedgekeurd en wacht nu op de goedkeuring van een tweede persoon.",
                              "You approved invoice {ref}; it now awaits the approval of a second person."),
    "msg_commented": ("Opmerking opgeslagen.", "Comment saved."),
    "err_reason_required": ("Geef een reden op voor de afwijzing.", "Give a reason for the rejection."),
    "err_text_required": ("Vul een opmerking in.", "Enter a comment."),
    "err_stale": (
        "Iemand anders heeft deze factuur intussen behandeld. De pagina is bijgewerkt.",
        "Someone else acted on this invoice in the meantime. The page has been refreshed.",
    ),
    "err_second_approver": ("U gaf de eerste goedkeuring; een andere persoon moet de tweede geven.",
                            "You gave the first approval; a different person must give the second."),
    "err_right_missing": ("U hebt niet het recht voor deze actie (goedkeuren of tweede goedkeuring).",
                          "You do not have the right for this action (approving or second approval)."),
    "err_illegal": ("Deze actie kan niet meer bij deze status.", "This action is not possible in this status."),
    "error": ("Fout", "Error"),
    "not_found": ("Niet gevonden", "Not found"),
    "dashboard_title": ("Hoe loopt de stroom?", "How is the flow doing?"),
    "stp_rate": ("Automatisch goedgekeurd per week", "Straight-through rate per week"),
    "stp_explain": (
        "Aandeel van de geldige facturen dat zonder menselijke tussenkomst is goedgekeurd.",
        "Share of valid invoices approved without a person.",
    ),
    "exceptions_by_reason": ("Afwijkingen per reden", "Exceptions by reason code"),
    "volume_per_day": ("Ontvangen facturen per dag", "Invoices received per day"),
    "ageing": ("Doorlooptijd tegenover de betaaltermijn van 30 dagen", "Ageing against the 30-day payment term"),
    "decided_within": ("Besloten binnen {n} dagen", "Decided within {n} days"),
    "paid_within_30": ("Betaald binnen 30 dagen", "Paid within 30 days"),
    "open_ageing": ("Openstaande facturen naar leeftijd", "Open invoices by age"),
    "age_bucket": ("{a}-{b} dagen", "{a}-{b} days"),
    "age_over": ("meer dan {n} dagen", "over {n} days"),
    "top_suppliers": ("Leveranciers met de meeste afwijzingen en afwijkingen", "Suppliers with the most rejections and exceptions"),
    "rejections": ("Afwijzingen", "Rejections"),
    "exceptions": ("Afwijkingen", "Exceptions"),
    "top_rules": ("Validatieregels die het vaakst falen", "Validation rules that fail most"),
    "rule": ("Regel", "Rule"),
    "count": ("Aantal", "Count"),
    "share": ("Aandeel", "Share"),
    "week": ("Week", "Week"),
    "day": ("Dag", "Day"),
    "no_data": ("Nog geen gegevens.", "No data yet."),
    "show_table": ("Toon als tabel", "Show as table"),
    "of_n": ("van {n}", "of {n}"),
    "period_note": ("Laatste {n} weken.", "Last {n} weeks."),
    "computed_at": ("Berekend op", "Computed at"),
}

STATUS_TEXTS: dict[str, tuple[str, str]] = {
    "received": ("Ontvangen", "Received"),
    "rejected": ("Afgewezen", "Rejected"),
    "needs_review": ("Te beoordelen", "Needs review"),
    "on_hold": ("In de wacht", "On hold"),
    "awaiting_approval": ("Wacht op tweede goedkeuring", "Awaiting second approval"),
    "approved": ("Goedgekeurd", "Approved"),
    "booked": ("Geboekt", "Booked"),
    "paid": ("Betaald", "Paid"),
}

# Short labels of the reason codes for lists and charts.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "SCHEMA_INVALID": ("Schemafout", "Schema invalid"),
    "RULE_VIOLATION": ("Regelovertreding", "Rule violation"),
    "NOT_WELL_FORMED": ("Geen geldige XML", "Not well-formed"),
    "UNSUPPORTED_DOCUMENT": ("Niet ondersteund", "Unsupported document"),
    "ENVELOPE_INVALID": ("Envelop onjuist", "Envelope invalid"),
    "PROFILE_NOT_EN16931": ("Profiel onder EN 16931", "Profile below EN 16931"),
    "DUPLICATE_INVOICE": ("Dubbele factuur", "Duplicate invoice"),
    "PO_REFERENCE_MISSING": ("Geen ordernummer", "PO reference missing"),
    "PO_NOT_FOUND": ("Order onbekend", "PO not found"),
    "PO_CLOSED": ("Order gesloten", "PO closed"),
    "SUPPLIER_MISMATCH": ("Andere leverancier", "Supplier mismatch"),
    "CURRENCY_MISMATCH": ("Andere valuta", "Currency mismatch"),
    "LINE_NOT_MATCHED": ("Regel niet gevonden", "Line not matched"),
    "LINE_AMBIGUOUS": ("Regel dubbelzinnig", "Line ambiguous"),
    "UNIT_MISMATCH": ("Andere eenheid", "Unit mismatch"),
    "PRICE_VARIANCE": ("Prijsafwijking", "Price variance"),
    "QUANTITY_EXCEEDS_ORDERED": ("Meer dan besteld", "Exceeds ordered"),
    "QUANTITY_EXCEEDS_RECEIVED": ("Meer dan ontvangen", "Exceeds received"),
    "NOT_RECEIVED": ("Niet ontvangen", "Not received"),
    "VAT_MISMATCH": ("Btw wijkt af", "VAT mismatch"),
    "CHARGE_NOT_ON_PO": ("Toeslag niet op order", "Charge not on PO"),
    "TOTAL_VARIANCE": ("Totaal wijkt af", "Total variance"),
    "BANK_ACCOUNT_UNVERIFIED": ("Rekening onbekend", "Bank account unverified"),
    "SUPPLIER_UNKNOWN": ("Leverancier onbekend", "Supplier unknown"),
    "DUPLICATE_SUSPECTED": ("Mogelijk dubbel", "Suspected duplicate"),
    "CREDIT_NOTE_UNMATCHED": ("Creditnota los", "Credit note unmatched"),
}


TEXTS.update(FIND_TEXTS)
TEXTS.update(RENDERING_TEXTS)
TEXTS.update(BANK_ACCOUNT_TEXTS)
TEXTS.update(HANDOVER_TEXTS)
TEXTS.update(RESOLVE_TEXTS)


class Translator:
    """Texts and formatting for one language; templates get it as ``t``."""

    def __init__(self, language: str) -> None:
        self.lang = language if language in LANGUAGES else "nl"
        self.locale = LOCALES[self.lang]
        self._i = 0 if self.lang == "nl" else 1

    def __call__(self, key: str, **kw) -> str:
        pair = TEXTS.get(key)
        text = pair[self._i] if pair else key
        return text.format(**kw) if kw else text

    def other(self, key: str, **kw) -> str:
        """The text in the other language (pages for people who are not signed in show both)."""
        return Translator("en" if self.lang == "nl" else "nl")(key, **kw)

    def status(self, value) -> str:
        value = getattr(value, "value", value)
        pair = STATUS_TEXTS.get(value)
        return pair[self._i] if pair else str(value)

    def reason_label(self, code: str) -> str:
        pair = REASON_LABELS.get(code)
        return pair[self._i] if pair else code

    def reason_message(self, code: str) -> str:
        try:
            return ReasonCode(code).message(self.lang)
        except ValueError:
            return code

    def unit(self, code: str | None, quantity=None) -> str:
        """A UN/ECE Rec 20 unit code by its name ("pak", "uur"), in the plural after a ``quantity``
        other than one ("3 pakken", "2 uur", "3 hours"); an unknown code as it is."""
        key = (code or "").strip().upper()
        names = UNIT_NAMES.get(key)
        if names is None:
            return code or ""
        if quantity is not None and key in UNIT_PLURALS:
            try:
                one = Decimal(str(quantity)) in (Decimal(1), Decimal(-1))
            except InvalidOperation:
                one = True
            if not one:
                return UNIT_PLURALS[key][self._i]
        return names[self._i]

    def money(self, amount, currency: str | None = "EUR") -> str:
        if amount is None or amount == "":
            return "–"
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return str(amount)
        return format_currency(value, currency or "EUR", locale=self.locale)

    def number(self, value) -> str:
        if value is None or value == "":
            return "–"
        try:
            return format_decimal(Decimal(str(value)), locale=self.locale, decimal_quantization=False)
        except InvalidOperation:
            return str(value)

    def percent(self, fraction) -> str:
        if fraction is None:
            return "–"
        return format_percent(fraction, "#,##0.0%", locale=self.locale)

    def date(self, value) -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, "medium", locale=self.locale)

    def datetime(self, value) -> str:
        if value is None:
            return "–"
        return format_datetime(value, "short", tzinfo=TIMEZONE, locale=self.locale)
