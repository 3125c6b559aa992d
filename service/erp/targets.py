"""Where webhooks may be sent: never to this machine, link-local / cloud metadata or private
networks, unless the operator allows a network explicitly (``EINVOICE_WEBHOOK_ALLOWED_NETWORKS``).

An administrator's key must not turn the dispatcher into a way to reach what only the server can
reach (the metadata service at 169.254.169.254 hands out cloud credentials; an internal admin page
trusts callers on the private network). The URL is checked when a subscription is saved, and the
address is checked again on every connection, after DNS resolution and on the address actually
connected to: a name that resolved to a public address when it was saved may point at 127.0.0.1
later (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Addresses that are public per ipaddress, but not somewhere a webhook should go.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.20.0.0/16", "127.0.0.1"]`` -> networks; ValueError names the bad entry."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP network such as 10.20.0.0/16 or 127.0.0.1") from None
    return tuple(out)


def why_refused(address: IPAddress, allowed: Sequence[Network] = ()) -> str | None:
    """Why a webhook may not connect to ``address`` (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address.version == net.version and address in net for net in allowed):
        return None
    if address.is_loopback or address.is_unspecified:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if address.is_multicast or address.is_reserved:
        return "a multicast or reserved address"
    if address.is_private or (address.version == 4 and address in _SHARED_ADDRESS_SPACE):
        return "a private-network address"
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def url_problem(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why ``url`` may not be a webhook target (None: it may, as far as can be told now).

    A name that does not resolve here is accepted: the ERP's name may be registered later, and every
    connection is checked anyway.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "the URL has no host"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return None
    for address in addresses:
        reason = why_refused(address, allowed)
        if reason:
            return (f"{host} is {reason} ({address}); webhooks go to the ERP's public or explicitly "
                    "allowed address (EINVOICE_WEBHOOK_ALLOWED_NETWORKS)")
    return None


class TargetRefused(httpcore.ConnectError):
    """Raised instead of connecting; httpx reports it as a ConnectError in the delivery log."""


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the name itself, refuses forbidden addresses, connects to the address it checked."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        self._allowed = tuple(allowed)
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        try:
            addresses = _resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        refused = [(a, why_refused(a, self._allowed)) for a in addresses]
        usable = [a for a, why in refused if why is None]
        if not usable:
            address, why = refused[0]
            raise TargetRefused(f"webhook target {host} is {why} ({address}); not connected "
                                "(EINVOICE_WEBHOOK_ALLOWED_NETWORKS allows networks explicitly)")
        # TLS still verifies the certificate against ``host``: httpcore passes the origin's name
        # as server_hostname, not the address connected to.
        return self._inner.connect_tcp(str(usable[0]), port, timeout=timeout, local_address=local_address,
                                       socket_options=socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_transport(allowed: Sequence[Network]) -> httpx.HTTPTransport:
    """An httpx transport whose every connection passes ``why_refused``. No proxy from the
    environment: a proxy would make the connection on our behalf, past the check."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx builds its httpcore pool without a way to pass a network backend; replace the pool
    # with the same one plus our backend (httpx's default pool settings otherwise).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
        network_backend=_GuardedBackend(allowed),
    )
    return transport
