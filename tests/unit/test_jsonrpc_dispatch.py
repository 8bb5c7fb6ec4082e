"""The JSON-RPC dispatcher survives any body: nesting bounded before parsing (a sequencer died of SIGSEGV in
the C parser on 100000 `[`: py_ecc raises the recursion limit to 100000, so the parser's own guard never
fired), strict UTF-8 JSON, and JSON-RPC 2.0 batches, notifications, ids and params as the specification
says. The server over HTTP is tested in test_jsonrpc_http.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from orchestrator.devnet.node import free_ports
from orchestrator.jsonrpc.safejson import too_deep
from orchestrator.jsonrpc.server import (
    INTERNAL,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    REJECTED,
    UNAVAILABLE,
    Limits,
    dispatch,
)
from orchestrator.store.db import StoreError
from tests.helpers import REPO
from tests.rawhttp import post
from tests.unit.rpc_calls import DEEP, Calls, code, notification, req

LIMITS = Limits(max_batch=5, max_body=64 << 10)


def run(body: Any, calls: Calls | None = None, limits: Limits = LIMITS) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return dispatch((calls or Calls()).methods(), raw, limits)


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
    [
        b"{not json",
        b"",
        b"   ",
        b'{"jsonrpc": "2.0", "method": "\xff\xfe", "id": 1}',
        b'{"a": NaN}',
        b"[Infinity]",
        b"-Infinity",
        b"\xef\xbb\xbf{}",
        b'{"jsonrpc": "2.0"',
        b"1" * 5000,
        b"\x00",
    ],
    ids=[
        "garbage",
        "empty",
        "blank",
        "invalid-utf8",
        "nan",
        "infinity",
        "minus-infinity",
        "bom",
        "truncated",
        "huge-int",
        "nul",
    ],
)
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
    for silent in (
        notification("nope"),
        notification("two", 1),
        notification("bug"),
        notification("rejected"),
        named,
    ):
        assert run(silent, calls) is None
    assert calls.seen == [(1,)]


def test_batches_answer_each_element_on_its_own() -> None:
    calls = Calls()
    answers = run(
        [req("echo", 1, id=1), notification("echo", 2), 7, req("nope", id="n"), [req("echo", 3)]], calls
    )
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
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(port)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
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


def test_a_batch_runs_in_one_scope_that_ends_before_it_is_answered() -> None:
    """The sequencer's scope is its group commit: every transfer of a batch is stored before any answer."""
    calls, events = Calls(), []

    @contextmanager
    def scope() -> Iterator[None]:
        events.append(("enter", len(calls.seen)))
        yield
        events.append(("exit", len(calls.seen)))

    raw = json.dumps([req("echo", 1, id=1), req("echo", 2, id=2)]).encode()
    answers: Any = dispatch(calls.methods(), raw, LIMITS, scope)
    assert events == [("enter", 0), ("exit", 2)] and [a["result"] for a in answers] == [[1], [2]]
    single: Any = dispatch(calls.methods(), json.dumps(req("echo", 3, id=3)).encode(), LIMITS, scope)
    assert single["id"] == 3
    assert len(events) == 2  # a single request needs no group: its write commits on its own


def test_a_batch_whose_scope_fails_is_answered_with_errors_only() -> None:
    """A failed group commit: none of the batch is acknowledged, each request says so under its id."""

    @contextmanager
    def failing() -> Iterator[None]:
        yield
        raise StoreError("disk full")

    raw = json.dumps([req("echo", 1, id=1), notification("echo", 2), req("echo", 3, id="c")]).encode()
    answers: Any = dispatch(Calls().methods(), raw, LIMITS, failing)
    assert [code(a) for a in answers] == [UNAVAILABLE] * 3
    assert [a["id"] for a in answers] == [1, None, "c"] and "disk full" in answers[0]["error"]["message"]
