"""The JSON-RPC server survives any input: the dispatcher on bodies, then the server over loopback HTTP.

Bodies nested too deep are refused before parsing (a sequencer died of SIGSEGV in the C parser on 100000
`[`: py_ecc raises the recursion limit to 100000, so the parser's own guard never fired); a Content-Length
must be present, numeric and bounded; a short or slow body times out; a connection cap refuses extra
connections at once; JSON-RPC 2.0 batches, notifications, ids and params follow the specification.
"""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from orchestrator.devnet.node import free_ports
from orchestrator.errors import RollupError, TxRejected
from orchestrator.jsonrpc import client
from orchestrator.jsonrpc.safejson import too_deep
from orchestrator.jsonrpc.server import (
    INTERNAL,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REJECTED,
    UNAVAILABLE,
    JsonRpcServer,
    Limits,
    RpcError,
    dispatch,
)
from tests.helpers import REPO

LIMITS = Limits(max_batch=5, max_body=64 << 10)
DEEP = b"[" * 100000 + b"]" * 100000  # the body that killed the sequencer


class Calls:
    """The methods the tests serve, recording what ran (notifications run without an answer)."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    def methods(self) -> dict[str, Any]:
        return {
            "echo": self.echo,
            "two": self.two,
            "rejected": self.rejected,
            "unavailable": self.unavailable,
            "not_found": self.not_found,
            "bug": self.bug,
        }

    def echo(self, *args: Any) -> list[Any]:
        self.seen.append(args)
        return list(args)

    def two(self, a: Any, b: Any) -> list[Any]:
        self.seen.append((a, b))
        return [a, b]

    def rejected(self) -> None:
        raise TxRejected("bad_nonce", "the nonce is 3, not 2")

    def unavailable(self) -> None:
        raise RollupError("the chain does not answer")

    def not_found(self) -> None:
        raise RpcError(-32001, "no such block", {"last": 7})

    def bug(self) -> None:
        raise KeyError("a bug")


def req(method: str, *params: Any, id: Any = 1, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": id}
    out.update(extra)
    return out


def notification(method: str, *params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": list(params)}


def run(body: Any, calls: Calls | None = None, limits: Limits = LIMITS) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return dispatch((calls or Calls()).methods(), raw, limits)


def code(answer: Any) -> int:
    assert isinstance(answer, dict) and "error" in answer, answer
    return int(answer["error"]["code"])


def nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# -- the dispatcher ---------------------------------------------------------------------------------------


def test_a_call_answers_its_result_under_its_id() -> None:
    assert run(req("echo", 1, "x", id="abc")) == {"jsonrpc": "2.0", "id": "abc", "result": [1, "x"]}


def test_nesting_deeper_than_the_limit_is_refused_before_parsing() -> None:
    calls = Calls()
    # {"params": [<value>]} adds two levels: the value may nest max_depth - 2 more
    ok = run(req("echo", nested(LIMITS.max_depth - 2)), calls)
    assert ok["result"] == [nested(LIMITS.max_depth - 2)]
    too = run(req("echo", nested(LIMITS.max_depth - 1)), calls)
    assert code(too) == INVALID_REQUEST and "deeper than 32" in too["error"]["message"]
    assert too["id"] is None and len(calls.seen) == 1
    for body in (DEEP, b"{" * 100000, b'{"a":' * 100000, b"[" * 100000, b"]]]]" + b"[" * 1000):
        assert code(run(body)) == INVALID_REQUEST


def test_brackets_in_strings_do_not_count_as_nesting() -> None:
    tricky = ["[" * 5000, "{" * 5000, '\\"[[[[', "\\\\", '"' * 100 + "[" * 100]
    assert run(req("echo", *tricky))["result"] == tricky
    assert too_deep(b'["\\\\"' + b"[" * 40, 32)  # an escaped backslash ends the escape: the string ends
    assert not too_deep(b'["\\"' + b"[" * 40, 32)  # an escaped quote does not: still one string


def test_the_depth_scan_is_linear_on_hostile_bodies() -> None:
    size = 1 << 20
    for body in (
        b'"\\"' * (size // 3) + b"\\",  # every quote escaped, a lone backslash at the end
        b'"' * size,
        b"\\" * size,
        b"[]" * (size // 2),
        b'["' * (size // 2),
        b'"a\\' * (size // 3),
    ):
        started = time.monotonic()
        too_deep(body, 32)
        assert time.monotonic() - started < 2.0, body[:20]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"   ", b'{"jsonrpc": "2.0", "method": "\xff\xfe", "id": 1}', b'{"a": NaN}',
     b"[Infinity]", b"-Infinity", b"\xef\xbb\xbf{}", b'{"jsonrpc": "2.0"', b"1" * 5000, b"\x00"],
    ids=["garbage", "empty", "blank", "invalid-utf8", "nan", "infinity", "minus-infinity", "bom",
         "truncated", "huge-int", "nul"],
)  # fmt: skip
def test_what_is_not_strict_utf8_json_is_a_parse_error(body: bytes) -> None:
    answer = run(body)
    assert code(answer) == PARSE_ERROR and answer["id"] is None


@pytest.mark.parametrize(
    ("request_", "expected_id"),
    [
        ("a string", None),
        (5, None),
        (None, None),
        ({"method": "echo", "id": 1}, 1),  # no "jsonrpc"
        ({"jsonrpc": "1.0", "method": "echo", "id": 1}, 1),
        ({"jsonrpc": "2.0", "method": 5, "id": 1}, 1),
        ({"jsonrpc": "2.0", "id": 1}, 1),
        ({"jsonrpc": "2.0", "method": "echo", "params": "x", "id": 1}, 1),
        ({"jsonrpc": "2.0", "method": "echo", "params": 3, "id": 1}, 1),
        ({"jsonrpc": "2.0", "method": "echo", "params": None, "id": 1}, 1),
        ({"jsonrpc": "2.0", "method": "echo", "id": True}, None),
        ({"jsonrpc": "2.0", "method": "echo", "id": [1]}, None),
        ({"jsonrpc": "2.0", "method": "echo", "id": {"a": 1}}, None),
        ({"jsonrpc": "2.0", "id": [1]}, None),
        ({"jsonrpc": "2.0", "method": "echo"} | {"params": "no id: invalid, so still answered"}, None),
    ],
)
def test_invalid_request_objects(request_: Any, expected_id: Any) -> None:
    calls = Calls()
    answer = run(request_, calls)
    assert code(answer) == INVALID_REQUEST and answer["id"] == expected_id
    assert calls.seen == []


@pytest.mark.parametrize("req_id", ["abc", "", 0, -7, 2**70, 1.5, None])
def test_an_id_may_be_a_string_a_number_or_null(req_id: Any) -> None:
    assert run(req("echo", 1, id=req_id)) == {"jsonrpc": "2.0", "id": req_id, "result": [1]}


def test_params_are_an_array_or_left_out_named_params_are_refused() -> None:
    calls = Calls()
    assert run({"jsonrpc": "2.0", "method": "echo", "id": 1}, calls)["result"] == []
    named = run({"jsonrpc": "2.0", "method": "two", "params": {"a": 1, "b": 2}, "id": 2}, calls)
    assert code(named) == INVALID_PARAMS and "named params" in named["error"]["message"]
    arity = run(req("two", 1), calls)
    assert code(arity) == INVALID_PARAMS and "two" in arity["error"]["message"]
    assert code(run(req("two", 1, 2, 3), calls)) == INVALID_PARAMS
    assert calls.seen == [()]


def test_unknown_methods() -> None:
    answer = run(req("rollup_mint", id=9))
    assert code(answer) == METHOD_NOT_FOUND and answer["id"] == 9
    long = run(req("x" * 100000))
    assert code(long) == METHOD_NOT_FOUND and len(long["error"]["message"]) < 200


def test_method_failures_map_to_their_codes_without_a_traceback() -> None:
    rejected = run(req("rejected"))
    assert code(rejected) == REJECTED and rejected["error"]["data"] == {"reason": "bad_nonce"}
    assert code(run(req("unavailable"))) == UNAVAILABLE
    assert run(req("not_found"))["error"] == {"code": -32001, "message": "no such block", "data": {"last": 7}}
    bug = run(req("bug", id=4))
    assert code(bug) == INTERNAL and bug["id"] == 4
    assert "Traceback" not in json.dumps(bug) and "KeyError" not in json.dumps(bug)


def test_notifications_run_but_get_no_answer() -> None:
    calls = Calls()
    assert run(notification("echo", 1), calls) is None
    assert calls.seen == [(1,)]
    named = {"jsonrpc": "2.0", "method": "two", "params": {"a": 1}}
    for silent in (notification("nope"), notification("two", 1), notification("bug"),
                   notification("rejected"), named):  # fmt: skip
        assert run(silent, calls) is None
    assert calls.seen == [(1,)]


def test_batches_answer_each_element_on_its_own() -> None:
    calls = Calls()
    answers = run([req("echo", 1, id=1), notification("echo", 2), 7, req("nope", id="n"), [req("echo", 3)]],
                  calls)  # fmt: skip
    assert answers[0] == {"jsonrpc": "2.0", "id": 1, "result": [1]}
    assert [code(a) for a in answers[1:]] == [INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_REQUEST]
    assert [a["id"] for a in answers] == [1, None, "n", None]
    assert calls.seen == [(1,), (2,)]  # the nested batch is an invalid element, not run


def test_empty_oversized_and_notification_only_batches() -> None:
    calls = Calls()
    empty = run([], calls)
    assert code(empty) == INVALID_REQUEST and empty["id"] is None
    big = run([req("echo", i, id=i) for i in range(LIMITS.max_batch + 1)], calls)
    assert code(big) == INVALID_REQUEST and "at most 5" in big["error"]["message"]
    assert calls.seen == []
    assert len(run([req("echo", i, id=i) for i in range(LIMITS.max_batch)], calls)) == LIMITS.max_batch
    assert run([notification("echo", "a"), notification("nope")], calls) is None
    assert calls.seen[-1] == ("a",)


# -- the daemon's recursion limit --------------------------------------------------------------------------

_SERVE = """
import sys
import orchestrator.sequencer.daemon  # the daemon's imports: web3 -> eth_account -> eth_keyfile -> py_ecc
from orchestrator.jsonrpc.server import JsonRpcServer
assert "py_ecc" in sys.modules
server = JsonRpcServer("127.0.0.1", int(sys.argv[1]), {"echo": lambda *a: list(a)})
server.start()
print(sys.getrecursionlimit(), flush=True)
sys.stdin.read()
server.stop()
"""


def test_a_server_with_the_daemons_imports_survives_deep_nesting() -> None:
    """In a child process, as in the daemon: there py_ecc raised the recursion limit to 100000."""
    port = free_ports(1)[0]
    child = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], cwd=REPO, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    try:
        line = child.stdout.readline()
        assert line.strip() == b"100000", (line, child.stderr.read() if child.poll() is not None else "")
        for body in (DEEP, b"{" * 100000, b'{"a":' * 100000 + b"1" + b"}" * 100000):
            try:
                reply = post(port, body)
            except (AssertionError, OSError) as exc:  # before the fix: SIGSEGV, exit code -11
                time.sleep(0.5)
                pytest.fail(f"no answer ({exc!r}); the server process's exit code: {child.poll()}")
            assert reply.status == 200 and reply.json()["error"]["code"] == INVALID_REQUEST
        assert child.poll() is None, f"the server died: {child.returncode}"
        assert post(port, json.dumps(req("echo", 5)).encode()).json()["result"] == [5]
    finally:
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()


# -- the server over loopback HTTP -----------------------------------------------------------------------

FAST = Limits(max_batch=5, max_body=64 << 10, idle_timeout_s=0.5, request_deadline_s=1.5,
              max_connections=4, linger_s=0.1)  # fmt: skip


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body)


def parse_reply(data: bytes, elapsed: float) -> Reply:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), data[:200]
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return Reply(int(lines[0].split()[1]), headers, body, elapsed)


def exchange(port: int, data: bytes = b"", timeout: float = 5.0, half_close: bool = False) -> Reply:
    """Send exactly `data`, then read until the server closes (the test fails rather than hang)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return parse_reply(read_all(s), time.monotonic() - started)


def read_all(s: socket.socket) -> bytes:
    chunks = []
    while chunk := s.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def post(port: int, body: bytes, headers: str | None = None, timeout: float = 5.0) -> Reply:
    head = f"Content-Length: {len(body)}\r\n" if headers is None else headers
    return exchange(port, f"POST / HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body, timeout)


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
    ids=["missing", "negative", "very-negative", "letters", "plus", "exponent", "two-numbers", "empty",
         "conflicting", "over-the-limit", "huge", "chunked"],
)  # fmt: skip
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


def drip(port: int, head: bytes, body: bytes, every: float) -> Reply:
    """Send `head`, then the body one byte at a time, each within the idle timeout of the last, until
    the server answers."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head)
        for b in body:
            if select.select([s], [], [], every)[0]:  # the server answered (or closed): stop sending
                break
            s.sendall(bytes([b]))
        return parse_reply(read_all(s), time.monotonic() - started)


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


def test_past_the_connection_cap_connections_are_refused_at_once_and_the_server_recovers() -> None:
    limits = Limits(idle_timeout_s=5, request_deadline_s=5, max_connections=4, linger_s=0.1)
    with serving(limits) as (port, _):
        threads = threading.active_count()
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.3)  # accepted, each in its handler thread, waiting for a request line
            assert threading.active_count() == threads + limits.max_connections
            started = time.monotonic()
            for _ in range(40):
                refused = exchange(port, b"", timeout=3)
                assert refused.status == 503 and refused.json()["error"]["code"] == UNAVAILABLE
            assert time.monotonic() - started < 3.0
            assert threading.active_count() == threads + limits.max_connections
        finally:
            for s in idle:
                s.close()
        deadline = time.monotonic() + 3
        while (reply := post(port, json.dumps(req("echo", 1)).encode())).status == 503:
            assert time.monotonic() < deadline, "the slots were never given back"
            time.sleep(0.05)
        assert reply.json()["result"] == [1]


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
