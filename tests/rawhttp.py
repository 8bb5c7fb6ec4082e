"""HTTP over a raw loopback socket, so that a test controls every byte a server receives (truncated
bodies, lying lengths, slow drips) and reads the answer that comes back."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)


def read_reply(s: socket.socket, started: float) -> Reply:
    """Read one whole answer (its Content-Length of body, past any interim 1xx answer), or until the server
    closes; the status, headers and body of what it sent. A kept-alive connection stays open after it."""
    return read_replies(s, 1, started)[0]


def read_replies(s: socket.socket, count: int, started: float) -> list[Reply]:
    """`count` answers in a row (pipelined requests), or fewer if the server closes first."""
    data = b""
    replies: list[Reply] = []
    while len(replies) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            status, headers = _head(head, data)
            length = int(headers.get("content-length", "0"))
            if 100 <= status < 200:  # 100 Continue: the answer follows
                data = rest
                continue
            if len(rest) >= length:
                replies.append(Reply(status, headers, rest[:length], time.monotonic() - started))
                data = rest[length:]
                continue
        chunk = s.recv(65536)
        if not chunk:
            if data:
                head, _, body = data.partition(b"\r\n\r\n")
                status, headers = _head(head, data)
                replies.append(Reply(status, headers, body, time.monotonic() - started))
            break
        data += chunk
    return replies


def _head(head: bytes, data: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), f"not an HTTP answer: {data[:200]!r}"
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), headers


def exchange(port: int, data: bytes = b"", timeout: float = 5.0, half_close: bool = False) -> Reply:
    """Send exactly `data` on a fresh connection, then read the answer (a test fails rather than hang:
    `timeout`)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(OSError):  # refused and closed before taking everything: read the answer
            s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return read_reply(s, started)


def post(port: int, body: bytes, headers: str | None = None, timeout: float = 5.0) -> Reply:
    """POST `body` with its true Content-Length, or with the raw `headers` given instead."""
    head = f"Content-Length: {len(body)}\r\n" if headers is None else headers
    return exchange(port, f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + body, timeout)


def drip(port: int, head: bytes, body: bytes, every: float, timeout: float = 5.0) -> Reply:
    """Send `head`, then the body one byte every `every` seconds, until the server answers."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        for b in body:
            if select.select([s], [], [], every)[0]:  # the server answered (or closed): stop sending
                break
            s.sendall(bytes([b]))
        return read_reply(s, started)
