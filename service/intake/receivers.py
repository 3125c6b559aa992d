"""Is the receiver of a Peppol envelope one of ours?

Once the instance has organisations with identifiers, the envelope's receiver participant must be
one of their Peppol participant ids. Until then (an instance whose organisations have no
identifiers yet) the receiver must be the document's buyer electronic address BT-49, as the Peppol
envelope rule BR-SBDH-1 requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from service.en16931.model import Identifier
from service.organisations.directory import identifier_key
from service.organisations.store import load_directory

__all__ = ["ReceiverCheck", "check_receiver"]


@dataclass(frozen=True)
class ReceiverCheck:
    accepted: bool
    message: str | None = None  # why not (English; the reason carries the Dutch text too)
    message_nl: str | None = None


def _key(scheme: str | None, value: str | None) -> str:
    return identifier_key(scheme, value)


def _our_participants(session: Session) -> set[str] | None:
    """The participant identifiers of the instance's organisations; None while there are none."""
    return load_directory(session).participants()


def check_receiver(session: Session, receiver: str | None, buyer_endpoint: Identifier | None) -> ReceiverCheck:
    """Whether ``receiver`` ("scheme:value" from the envelope) is this instance's."""
    if not receiver or ":" not in receiver:
        return ReceiverCheck(False, "The envelope names no receiver participant.",
                             "De envelop noemt geen ontvanger.")
    scheme, value = receiver.split(":", 1)
    got = _key(scheme, value)
    ours = _our_participants(session)
    if ours is not None:
        if got in ours:
            return ReceiverCheck(True)
        return ReceiverCheck(False, f"The envelope's receiver {receiver} is none of this instance's organisations.",
                             f"De ontvanger {receiver} in de envelop is geen organisatie van deze installatie.")
    if buyer_endpoint is not None and got == _key(buyer_endpoint.scheme, buyer_endpoint.value):
        return ReceiverCheck(True)
    return ReceiverCheck(
        False,
        f"The envelope's receiver {receiver} is not the invoice's buyer electronic address (BT-49) "
        f"{buyer_endpoint or '(none)'}.",
        f"De ontvanger {receiver} in de envelop is niet het elektronisch adres van de koper (BT-49) "
        f"{buyer_endpoint or '(geen)'}.",
    )
