"""The JSON-RPC server over loopback HTTP survives any input: a Content-Length must be present, numeric
and bounded; a short or slow body times out; a connection cap refuses extra connections at once; other
verbs than POST are refused; notifications get 204. And the wallets' client maps every answer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from orchestrator.devnet.node import free_ports
from orchestrator.errors import TxRejected
from orchestrator.jsonrpc import client
from orchestrator.jsonrpc.server import (
    INVALID_REQUEST,
    PARSE_ERROR,
    UNAVAILABLE,
    JsonRpcServer,
    Limits,
)
from tests.rawhttp import drip, exchange, post, read_replies, read_reply
from tests.unit.rpc_calls import DEEP, Calls, notification, req

# -- the server over loopback HTTP -----------------------------------------------------------------------

FAST = Limits(
    max_batch=5,
    max_body=64 << 10,
    idle_timeout_s=0.5,
    request_deadline_s=1.5,
    max_connections=4,
    linger_s=0.1,
)


@pytest.fixture
def served() -> Iterator[tuple[int, Calls]]:
    with serving(FAST) as server:
        yield server


@contextmanager
def serving(limits: Limits) -> Iterator[tuple[int, Calls]]:
    calls = Calls()
    port = free_ports(1)[0]
    server = JsonRpcServer("127.0.0.1", port, calls.methods(), limits)
    server.start()
    try:
        yield port, calls
    finally:
        stopper = threading.Thread(target=server.stop, daemon=True)
        stopper.start()
        stopper.join(10)
    assert not stopper.is_alive(), "the server did not stop: a handler thread is stuck"


def test_a_post_answers_200_and_notifications_204(served: tuple[int, Calls]) -> None:
    port, calls = served
    reply = post(port, json.dumps(req("echo", "hi")).encode())
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json() == {"jsonrpc": "2.0", "id": 1, "result": ["hi"]}
    quiet = post(port, json.dumps(notification("echo", "psst")).encode())
    assert quiet.status == 204 and quiet.body == b"" and "content-length" not in quiet.headers
    batch = post(port, json.dumps([req("echo", 1, id=1), notification("echo", 2), req("two", id=3)]).encode())
    assert [a["id"] for a in batch.json()] == [1, 3]
    assert post(port, json.dumps([notification("echo", 3)]).encode()).status == 204
    assert calls.seen == [("hi",), ("psst",), (1,), (2,), (3,)]


def test_deep_nesting_over_http_is_refused(served: tuple[int, Calls]) -> None:
    port, _ = served
    big = Limits(max_body=1 << 20, idle_timeout_s=2, request_deadline_s=5)
    with serving(big) as (p, _):
        reply = post(p, DEEP)
        assert reply.status == 200 and reply.json()["error"]["code"] == INVALID_REQUEST
        assert post(p, json.dumps(req("echo", 1)).encode()).json()["result"] == [1]
    invalid_utf8 = post(port, b'{"jsonrpc": "2.0", "id": 1, "method": "echo", "params": ["\xff"]}')
    assert invalid_utf8.json()["error"]["code"] == PARSE_ERROR


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_verbs_than_post_get_405(served: tuple[int, Calls], verb: str) -> None:
    port, _ = served
    reply = exchange(port, f"{verb} / HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert reply.status == 405 and reply.headers["allow"] == "POST"
    if verb != "HEAD":
        assert reply.json()["error"]["code"] == INVALID_REQUEST and verb in reply.json()["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("", 411),
        ("Content-Length: -1\r\n", 400),
        ("Content-Length: -99999999999\r\n", 400),
        ("Content-Length: abc\r\n", 400),
        ("Content-Length: +2\r\n", 400),
        ("Content-Length: 1e3\r\n", 400),
        ("Content-Length: 2 2\r\n", 400),
        ("Content-Length: \r\n", 400),
        ("Content-Length: 2\r\nContent-Length: 3\r\n", 400),
        ("Content-Length: 65537\r\n", 413),
        ("Content-Length: 99999999999999999999999999999999999999999999\r\n", 413),
        ("Transfer-Encoding: chunked\r\n", 411),
    ],
    ids=[
        "missing",
        "negative",
        "very-negative",
        "letters",
        "plus",
        "exponent",
        "two-numbers",
        "empty",
        "conflicting",
        "over-the-limit",
        "huge",
        "chunked",
    ],
)
def test_content_length_must_be_there_numeric_and_bounded(
    served: tuple[int, Calls], headers: str, status: int
) -> None:
    port, calls = served
    reply = post(port, b"{}", headers)
    assert reply.status == status and reply.json()["error"]["code"] == INVALID_REQUEST, reply
    assert reply.elapsed < 3.0
    assert calls.seen == []
    assert post(port, json.dumps(req("echo", 1)).encode()).json()["result"] == [1]


def test_the_largest_body_is_accepted_and_one_more_byte_is_not(served: tuple[int, Calls]) -> None:
    port, _ = served
    template = json.dumps(req("echo", "")).encode()
    body = template.replace(b'[""]', b'["' + b"a" * (FAST.max_body - len(template)) + b'"]')
    assert len(body) == FAST.max_body
    assert post(port, body).json()["result"] == ["a" * (FAST.max_body - len(template))]
    over = body.replace(b'"a', b'"aa', 1)
    assert post(port, over).status == 413


def test_a_short_body_times_out(served: tuple[int, Calls]) -> None:
    port, _ = served
    reply = exchange(port, b'POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"jsonrpc"')
    assert reply.status == 408 and reply.json()["error"]["code"] == INVALID_REQUEST
    assert reply.elapsed < 2.0
    early = exchange(port, b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}", half_close=True)
    assert early.status == 400 and "after 2 of 100 bytes" in early.json()["error"]["message"]


def test_a_slow_drip_body_hits_the_deadline(served: tuple[int, Calls]) -> None:
    port, calls = served
    body = json.dumps(req("echo", "x" * 40)).encode()
    head = f"POST / HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    reply = drip(port, head, body, every=0.1)
    assert reply.status == 408, reply
    assert FAST.request_deadline_s - 0.1 < reply.elapsed < FAST.request_deadline_s + 1.5
    assert calls.seen == []


def test_a_slow_drip_request_line_hits_the_deadline(served: tuple[int, Calls]) -> None:
    port, _ = served
    reply = drip(port, b"", b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", every=0.1)
    assert reply.status == 408 and reply.elapsed < FAST.request_deadline_s + 1.5


def test_an_idle_connection_is_closed(served: tuple[int, Calls]) -> None:
    port, _ = served
    reply = exchange(port, b"")
    assert reply.status == 408 and reply.elapsed < FAST.idle_timeout_s + 1.5


def test_garbage_on_the_wire_gets_a_json_error(served: tuple[int, Calls]) -> None:
    port, _ = served
    garbage = [
        *(
            b"\x00\xff\xfe garbage\r\n\r\n",
            b"POST\r\n\r\n",
            b"\r\n",
            b"   \r\n\r\n",
            b"POST / HTTP/9.9\r\n\r\n",
        ),
        *(b"FROB / HTTP/1.1\r\n\r\n", b"POST / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n"),
        b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"POST / HTTP/0.9\r\n" + b"X: y\r\n" * 200 + b"\r\n",
    ]
    for data in garbage:
        reply = exchange(port, data)
        assert 400 <= reply.status < 600 and reply.json()["error"]["code"] == INVALID_REQUEST, data[:40]
    old = exchange(port, b"POST / HTTP/0.9\r\nContent-Length: 2\r\n\r\n{}")  # the stdlib would skip the
    assert old.status == 200 and old.json()["error"]["code"] == INVALID_REQUEST  # status line and headers
    assert post(port, json.dumps(req("echo", 1)).encode()).json()["result"] == [1]


def _handlers() -> int:
    """Connection handler threads alive in this process (other tests' threads come and go meanwhile)."""
    return sum("process_request_thread" in t.name for t in threading.enumerate())


def test_past_the_connection_cap_connections_are_refused_at_once_and_the_server_recovers() -> None:
    limits = Limits(idle_timeout_s=5, request_deadline_s=5, max_connections=4, linger_s=0.1)
    # An earlier test's kept-alive connection may still have its handler thread, until its idle timeout.
    settled = time.monotonic() + 10
    while _handlers() and time.monotonic() < settled:
        time.sleep(0.1)
    with serving(limits) as (port, _):
        assert _handlers() == 0
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.3)  # accepted, each in its handler thread, waiting for a request line
            assert _handlers() == limits.max_connections
            started = time.monotonic()
            for _ in range(40):
                refused = exchange(port, b"", timeout=3)
                assert refused.status == 503 and refused.json()["error"]["code"] == UNAVAILABLE
            assert time.monotonic() - started < 3.0
            assert _handlers() == limits.max_connections
        finally:
            for s in idle:
                s.close()
        deadline = time.monotonic() + 3
        while (reply := post(port, json.dumps(req("echo", 1)).encode())).status == 503:
            assert time.monotonic() < deadline, "the slots were never given back"
            time.sleep(0.05)
        assert reply.json()["result"] == [1]


def _request(body: bytes, version: str = "HTTP/1.1", extra: str = "") -> bytes:
    return f"POST / {version}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


def test_a_connection_stays_open_and_each_request_has_its_own_deadline(served: tuple[int, Calls]) -> None:
    port, _ = served
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        threads = set()
        while time.monotonic() - started < 2 * FAST.request_deadline_s:  # longer than one deadline
            s.sendall(_request(json.dumps(req("connection")).encode()))
            reply = read_reply(s, started)
            assert reply.status == 200 and reply.headers["connection"] == "keep-alive", reply
            threads.add(reply.json()["result"])
            time.sleep(FAST.idle_timeout_s * 0.6)  # idle, but not long enough to be dropped
        assert len(threads) == 1  # every request on the one connection
        time.sleep(FAST.idle_timeout_s + 0.3)  # idle too long: closed without a word (no 408)
        assert s.recv(100) == b""


def test_pipelined_requests_are_answered_in_order(served: tuple[int, Calls]) -> None:
    port, _ = served
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"".join(_request(json.dumps(req("echo", i, id=i)).encode()) for i in range(3)))
        answers = [r.json() for r in read_replies(s, 3, time.monotonic())]
    assert [a["result"] for a in answers] == [[0], [1], [2]]


def test_a_connection_closes_after_its_last_request_or_when_the_client_says_so() -> None:
    limits = Limits(idle_timeout_s=1, request_deadline_s=2, keepalive_requests=3, linger_s=0.1)
    body = json.dumps(req("echo", 1)).encode()
    with serving(limits) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(_request(body) * 4)
            said = [r.headers["connection"] for r in read_replies(s, 3, time.monotonic())]
            assert said == ["keep-alive", "keep-alive", "close"]
            assert s.recv(100) == b""  # the fourth request is not read
        for version, extra, expected in (
            ("HTTP/1.0", "", "close"),
            ("HTTP/1.0", "Connection: keep-alive\r\n", "keep-alive"),
            ("HTTP/1.1", "Connection: close\r\n", "close"),
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(_request(body, version, extra))
                assert read_reply(s, time.monotonic()).headers["connection"] == expected, (version, extra)


# -- the wallets' client -----------------------------------------------------------------------------------


def test_the_client_maps_errors_and_http_refusals(served: tuple[int, Calls]) -> None:
    port, _ = served
    url = f"http://127.0.0.1:{port}"
    assert client.call(url, "echo", 1, "a") == [1, "a"]
    with pytest.raises(TxRejected) as refused:
        client.call(url, "rejected")
    assert refused.value.code == "bad_nonce"
    with pytest.raises(client.RpcFailed) as failed:
        client.call(url, "echo", "x" * FAST.max_body)  # 413, its JSON-RPC body read
    assert failed.value.code == INVALID_REQUEST and "at most" in str(failed.value)


def test_the_client_keeps_its_connection_and_replaces_a_dropped_one(served: tuple[int, Calls]) -> None:
    port, _ = served
    url = f"http://127.0.0.1:{port}"
    first = client.call(url, "connection")
    assert client.call(url, "connection") == first  # kept alive
    time.sleep(FAST.idle_timeout_s + 0.3)  # the server drops it; the client still holds it (KEEP_IDLE_S)
    assert FAST.idle_timeout_s + 0.3 < client.KEEP_IDLE_S
    again = client.call(url, "connection")
    assert again != first and client.call(url, "echo", 2) == [2]


def test_kept_connections_do_not_stall_on_nagle(served: tuple[int, Calls]) -> None:
    """Headers and body go out in two writes: without TCP_NODELAY every answer on a kept connection
    waited for the client's delayed ACK (40 ms each, so 0.8 s for these 20; about 10 ms without)."""
    port, _ = served
    url = f"http://127.0.0.1:{port}"
    client.call(url, "echo", 0)
    started = time.monotonic()
    for i in range(20):
        assert client.call(url, "echo", i) == [i]
    assert time.monotonic() - started < 0.4
