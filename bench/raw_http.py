"""A minimal HTTP/1.1 keep-alive client for the load benchmark's POSTs.

The load generator runs on the same two cores as the server. httpx costs about 2 ms of CPU per
request in this process (header models, its transport layers), which the server then lacks; a
request written as bytes onto a socket and a status line read back costs a tenth of that. This is
enough for ``bench_load``: the server answers with ``Content-Length`` (never chunked) and the
benchmark only needs the status code. Reads and set-up keep using httpx.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


class RawClient:
    """One keep-alive connection; reconnects after ``Connection: close`` or a broken socket."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.timeout = timeout
        self.header_block = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.host = f"{self.address[0]}:{self.address[1]}"
        self.sock: socket.socket | None = None
        self.buffer = b""

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def post(self, path: str, body: bytes) -> int:
        """The response's status code; raises OSError (or ValueError on a garbled answer)."""
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.header_block}"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        try:
            self.sock.sendall(head + body)
            return self._read_response()
        except (OSError, ValueError):
            self.close()
            raise

    def _read_response(self) -> int:
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        if "content-length" not in fields:
            raise ValueError(f"no Content-Length in the answer ({status})")
        length = int(fields["content-length"])
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def _receive(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise OSError("connection closed by the server")
        self.buffer += chunk
