"""A real SMTP server process (aiosmtpd, storing what it receives in a Maildir) and an app that
mails through it; staff of the instance's organisation: a clerk and a budget holder."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from sqlmodel import Session

from service.config import Settings
from service.models.workspace import Language

PASSWORD = "correct horse battery staple"


class SmtpServer:
    def __init__(self, port: int, maildir: Path) -> None:
        self.port, self.maildir = port, maildir

    def messages(self, wait_for: int = 0, timeout: float = 10.0) -> list[Message]:
        """What the server received so far (waiting up to ``timeout`` for at least ``wait_for``)."""
        deadline = time.monotonic() + timeout
        while True:
            box = mailbox.Maildir(str(self.maildir), create=False)
            found = sorted(box.values(), key=lambda m: m.get_date() or 0)
            if len(found) >= wait_for or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_process(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    port, maildir = _free_port(), tmp_path_factory.mktemp("maildir")
    proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Mailbox", str(maildir / "box")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the SMTP server did not start: "
                                   + (proc.stderr.read() or b"").decode()[-500:]) from None
            time.sleep(0.1)
    yield port, maildir / "box"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def smtp(smtp_process) -> SmtpServer:
    port, maildir = smtp_process
    box = mailbox.Maildir(str(maildir), create=True)
    box.clear()  # each test reads only its own mails
    return SmtpServer(port, maildir)


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
                                       "smtp_from": "E-facturen <efacturen@gemeente.example>",
                                       "public_base_url": "https://efacturen.gemeente.example"})


@pytest.fixture
def staff(engine) -> dict[str, str]:
    """A clerk (Dutch), a budget holder (English, with an address) and another colleague; usernames."""
    from service.organisations.staff import join_organisations
    from service.ui.accounts import create_user

    with Session(engine) as s:
        for name, display, lang, email in (("anna", "Anna de Vries", Language.nl, "anna@gemeente.example"),
                                           ("bert", "Bert Budget", Language.en, "bert@gemeente.example"),
                                           ("cora", "Cora Collega", Language.nl, None)):
            user = create_user(s, username=name, password=PASSWORD, display_name=display, language=lang)
            user.email = email
            join_organisations(s, user.id, [])
        s.commit()
    return {"clerk": "anna", "budget_holder": "bert", "colleague": "cora"}
