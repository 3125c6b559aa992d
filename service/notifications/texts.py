"""Dutch and English texts of notifications (in the workspace and in mails), by kind."""

from __future__ import annotations

# kind -> (Dutch, English); placeholders: by, number, supplier, due, reason
NOTIFICATION_TEXTS: dict[str, tuple[str, str]] = {
    "notify_assigned": ("{by} heeft factuur {number} van {supplier} aan u toegewezen.",
                        "{by} assigned invoice {number} from {supplier} to you."),
    "notify_confirm_requested": (
        "{by} vraagt u uiterlijk {due} te bevestigen dat wat op factuur {number} van {supplier} staat, geleverd "
        "is (prestatieverklaring).",
        "{by} asks you to confirm by {due} that what invoice {number} from {supplier} charges for was delivered "
        "(a statement of delivery)."),
    "notify_confirmed": ("{by} heeft bevestigd dat factuur {number} van {supplier} geleverd is.",
                         "{by} confirmed the delivery of invoice {number} from {supplier}."),
    "notify_declined": ("{by} bevestigt de levering van factuur {number} van {supplier} niet: {reason}",
                        "{by} does not confirm the delivery of invoice {number} from {supplier}: {reason}"),
    "notify_reminder": (
        "Herinnering: uw bevestiging van de levering van factuur {number} van {supplier} was uiterlijk {due} "
        "nodig.",
        "Reminder: your confirmation of the delivery of invoice {number} from {supplier} was due on {due}."),
    "notify_withdrawn": ("{by} heeft de overdracht van factuur {number} van {supplier} aan u ingetrokken.",
                         "{by} withdrew the hand-over of invoice {number} from {supplier} to you."),
    "mail_subject": ("E-facturen: factuur {number}", "E-invoices: invoice {number}"),
    "mail_open": ("Open de factuur: {url}", "Open the invoice: {url}"),
    "mail_footer": ("Dit bericht is automatisch verstuurd door E-facturen. Uw meldingen staan ook in de "
                    "werkplek: {inbox}",
                    "This message was sent automatically by E-invoices. Your notifications are also in the "
                    "workspace: {inbox}"),
}
