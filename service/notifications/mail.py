"""E-mail through SMTP (standard library ``smtplib``): settings checks and sending.

Mails are composed inside the transaction that caused them and sent after it committed
(``send_after_commit``), so a rolled-back hand-over never mails anyone and the SMTP conversation
never holds a database transaction open. A server that cannot be reached costs one log line per
batch; the in-app notification is stored either way.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlmodel import Session

from service.db import after_commit

if TYPE_CHECKING:
    from service.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    language: str = "nl"


class Mailer:
    """Sends mails through the configured SMTP server (one connection per batch)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, mails: list[Mail]) -> int:
        """Send ``mails``; returns how many the server accepted (0 and a log line when it failed)."""
        if not mails or not self.enabled:
            return 0
        s = self.settings
        try:
            with self._connect() as smtp:
                if s.smtp_user and s.smtp_password is not None:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                sent = 0
                for mail in mails:
                    smtp.send_message(self._message(mail))
                    sent += 1
                return sent
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail not sent: %s:%s answered %s: %s", s.smtp_host, s.smtp_port, type(exc).__name__, exc)
            return 0

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        if s.smtp_security == "tls":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        if s.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def _message(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_from or ""
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Content-Language"] = mail.language
        sender = getaddresses([self.settings.smtp_from or ""])[0][1]
        msg["Message-ID"] = make_msgid(domain=Address(addr_spec=sender).domain if "@" in sender else None)
        msg.set_content(mail.body)
        return msg


def send_after_commit(session: Session, mailer: Mailer | None, mails: list[Mail]) -> None:
    """Send ``mails`` once the session's transaction has committed (never when it rolls back)."""
    if mailer is None or not mailer.enabled or not mails:
        return
    if _OUTBOX not in session.info:
        outbox: list[Mail] = []
        session.info[_OUTBOX] = outbox

        def flush_outbox() -> None:
            due, outbox[:] = list(outbox), []
            mailer.send(due)

        session.info[_SEND] = flush_outbox
        event.listen(session, "after_rollback", lambda _s: outbox.clear())
    session.info[_OUTBOX].extend(mails)
    after_commit(session, session.info[_SEND])


_OUTBOX, _SEND = "einvoice.mail_outbox", "einvoice.mail_send"
