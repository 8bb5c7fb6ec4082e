"""Fuzzing the LIVE sequencer daemon's JSON-RPC port: malformed HTTP and JSON must never crash, wedge or
change it.

One running rollup (2 anvil chains, both daemons as processes); hypothesis sends, over loopback sockets
that carry exactly the bytes it drew: random bytes, deep nesting, invalid UTF-8, wrong and missing
Content-Lengths, other verbs, random request objects, batches, notifications and wrong params to every
method the daemon serves. Every answer must be well formed HTTP and JSON-RPC 2.0 (no internal error: a
caller's mistake is never blamed on the server). The raw-socket cases (a short body, a slow drip, a flood of
idle connections) are written out by hand. At the end the daemon must be alive, answer, and its store and
mempool be what they were before (`rollup_status` and every table of sequencer.db, read-only).

The budget is fixed: `derandomize=True` (the same examples on every run, no example database) and
`max_examples` per property; see EXAMPLES.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.jsonrpc.server import DEFAULT_LIMITS, INTERNAL, INVALID_REQUEST, REJECTED, UNAVAILABLE
from orchestrator.l2.tx import Transfer
from orchestrator.l2.wire import transfer_to_json
from orchestrator.sequencer.daemon import SequencerDaemon
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from tests import rawhttp
from tests.rawhttp import Reply, read_reply

pytestmark = pytest.mark.integration

LIMITS = DEFAULT_LIMITS  # the daemon serves with the defaults
EXAMPLES = 300  # per property; 6 properties
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


class _Names:
    def __getattr__(self, name: str) -> str:
        return name


# method name -> the daemon's function serving it (read from the daemon itself, so new methods get fuzzed)
SERVED = {
    rpc: getattr(SequencerDaemon, str(attr))
    for rpc, attr in SequencerDaemon._methods(cast(SequencerDaemon, _Names())).items()
}
ARITY = {rpc: len(inspect.signature(fn).parameters) - 1 for rpc, fn in SERVED.items()}


class Fuzzed:
    """The live rollup, its store and status before the fuzzing, and how many requests were sent."""

    def __init__(self, rollup: RunningRollup, before: dict[str, Any]) -> None:
        self.rollup, self.before, self.sent = rollup, before, 0

    def __repr__(self) -> str:  # hypothesis prints the fixture with each failing example: keep it short
        return f"<live sequencer on 127.0.0.1:{self.rollup.config.sequencer.rpc_port}>"


def snapshot(rollup: RunningRollup) -> dict[str, Any]:
    """`rollup_status` and, per table of sequencer.db, its row count and a hash of its rows."""
    out: dict[str, Any] = {"status": rollup.client.status()}
    db = sqlite3.connect(f"file:{rollup.home / 'sequencer.db'}?mode=ro", uri=True)
    try:
        tables = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        for table in tables:
            rows = sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    finally:
        db.close()
    return out


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    tmp = tmp_path_factory.mktemp("rpcfuzz")
    config_path = write_settlement_devnet(tmp, 2, 980000)
    with running_rollup(config_path, tmp / "home") as rollup:
        deadline = time.monotonic() + 30  # the first rounds read the fresh chains: wait for a steady store
        before = snapshot(rollup)
        while (again := snapshot(rollup)) != before:
            assert time.monotonic() < deadline, "the sequencer's store never settled"
            before = again
            time.sleep(1)
        yield Fuzzed(rollup, before)


# -- talking HTTP over a raw socket -----------------------------------------------------------------------


def _port(f: Fuzzed) -> int:
    return f.rollup.config.sequencer.rpc_port


def exchange(f: Fuzzed, data: bytes, timeout: float = 20.0) -> Reply:
    """Send exactly `data` on a fresh connection, then read until the daemon closes it."""
    f.sent += 1
    return rawhttp.exchange(_port(f), data, timeout)


def post(f: Fuzzed, body: bytes, headers: str | None = None) -> Reply:
    f.sent += 1
    return rawhttp.post(_port(f), body, headers, timeout=20.0)


def check_answer(answer: Any) -> None:
    assert isinstance(answer, dict) and answer.get("jsonrpc") == "2.0" and "id" in answer, answer
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        err = answer["error"]
        assert isinstance(err["code"], int) and isinstance(err["message"], str), answer
        assert err["code"] != INTERNAL, f"a caller's mistake answered as an internal error: {answer}"
        assert "Traceback" not in err["message"]


def check_reply(reply: Reply, head: bool = False) -> Any:
    """Any reply: well formed, and a JSON-RPC error object as the body of an HTTP refusal (none to HEAD).
    404: a GET of another path than /metrics and /health."""
    assert reply.status in (200, 204, 400, 404, 405, 408, 411, 413, 414, 431, 501, 505), reply
    if reply.status == 204 or (head and reply.body == b""):
        assert reply.body == b""
        return None
    answer = reply.json()
    if reply.status != 200:
        assert answer["error"]["code"] == INVALID_REQUEST and answer["id"] is None, answer
    if isinstance(answer, list):
        assert answer, "an empty batch answer"
        for a in answer:
            check_answer(a)
    else:
        check_answer(answer)
    return answer


# -- what a spec-following server answers (the model the fuzzed answers are checked against) ------------


def _valid_id(value: Any) -> bool:
    return value is None or isinstance(value, str) or type(value) in (int, float)


def expected_ids(request: Any) -> list[Any] | None:
    """The ids the answers carry, in order ([] for a notification); None when it is a batch error."""

    def one(r: Any) -> list[Any]:
        if not isinstance(r, dict) or not _valid_id(r.get("id")):
            return [None]
        well_formed = r.get("jsonrpc") == "2.0" and isinstance(r.get("method"), str)
        if well_formed and isinstance(r.get("params", []), list | dict) and "id" not in r:
            return []  # a notification
        return [r.get("id")]

    if isinstance(request, list):
        if not request or len(request) > LIMITS.max_batch:
            return None
        return [i for r in request for i in one(r)]
    return one(request)


def check_ids(reply: Reply, request: Any) -> Any:
    answer = check_reply(reply)
    ids = expected_ids(request)
    if ids is None:  # an empty or oversized batch: one error
        assert reply.status == 200 and answer["error"]["code"] == INVALID_REQUEST, answer
    elif not ids:
        assert reply.status == 204, (request, answer)
    else:
        assert reply.status == 200, reply
        assert isinstance(answer, list) == isinstance(request, list), (request, answer)
        got = [a["id"] for a in answer] if isinstance(request, list) else [answer["id"]]
        assert got == ids, (request, answer)
    return answer


# -- strategies -------------------------------------------------------------------------------------------

TRICKY_STRINGS = [
    *("", "0x", "0x" + "f" * 40, "0x" + "f" * 4000, "9" * 5000, "-1", "1e400", "\ud800", "\x00"),
    *("transfer", "withdraw", "[" * 100, '"', "\\", "ETH", "0x" + "00" * 32, " 12 ", "0X1f"),
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(min_value=-(10**4000), max_value=10**4000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(TRICKY_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
numberish = scalars | st.integers(min_value=0, max_value=2**20).map(str)
# a well formed signature (by a key that owns nothing, over another domain), so intake reads every field
_SIGNED = transfer_to_json(Transfer(0, 1, 1000, 0).sign(PrivateKey(bytes([7]) * 32), 1))
TX_FIELDS = {
    "from": 0,
    "to": 1,
    "chain": 1,
    "address": "0x" + "11" * 20,
    "amount": "1000",
    "nonce": 0,
    "public_key": _SIGNED["public_key"],
    "signature": _SIGNED["signature"],
}
huge_numbers = st.sampled_from(
    ["0x" + "f" * 4000, "0x" + "f" * 64, "9" * 4300, str(2**128), "0x" + "0" * 5000]
)
tx_values = (
    numberish
    | st.sampled_from(TRICKY_STRINGS)
    | huge_numbers
    | st.binary(max_size=70).map(lambda b: "0x" + b.hex())
    | st.integers(min_value=0, max_value=2**260)
)


@st.composite
def tx_like(draw: st.DrawFn) -> dict[str, Any]:
    """A transaction of the right shape with up to three fields replaced or left out: deep into intake."""
    tx: dict[str, Any] = {"type": draw(st.sampled_from(["transfer", "withdraw"])), **TX_FIELDS}
    for key in draw(st.lists(st.sampled_from(sorted(TX_FIELDS)), max_size=3, unique=True)):
        if draw(st.integers(0, 3)):
            tx[key] = draw(tx_values)
        else:
            del tx[key]
    if draw(st.integers(0, 9)) == 0:
        tx["type"] = draw(scalars)
    return tx


ids = st.none() | st.integers() | st.text(max_size=10) | st.floats(allow_nan=False, allow_infinity=False)
bad_ids = (
    st.booleans() | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.none())
)
methods = (
    st.sampled_from(sorted(SERVED)) | st.text(max_size=30) | st.sampled_from(["rollup_mint", "", "__init__"])
)


@st.composite
def params_for(draw: st.DrawFn, method: str) -> Any:
    """Wrong (and sometimes right-shaped) params: the method's arity give or take one, any values."""
    arity = ARITY.get(method, 1)
    count = draw(st.sampled_from([arity, arity, arity, max(arity - 1, 0), arity + 1]))
    values = tx_like() | json_values if method == "rollup_sendTransaction" else numberish | json_values
    if draw(st.integers(0, 19)) == 0:  # now and then an object (named params) or something else
        return draw(st.dictionaries(st.text(max_size=5), values, max_size=3) | scalars)
    return draw(st.lists(values, min_size=count, max_size=count))


@st.composite
def requests(draw: st.DrawFn) -> Any:
    """A request object, often well formed, sometimes not; sometimes a notification (no "id")."""
    method = draw(methods | st.sampled_from(sorted(SERVED)) | json_values)
    out: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        out["jsonrpc"] = "2.0"
    else:
        out["jsonrpc"] = draw(scalars)
    if draw(st.integers(0, 19)):
        out["method"] = method
    if draw(st.integers(0, 4)):
        out["params"] = draw(params_for(method if isinstance(method, str) else ""))
    choice = draw(st.integers(0, 9))
    if choice < 6:
        out["id"] = draw(ids)
    elif choice < 7:
        out["id"] = draw(bad_ids)
    if draw(st.integers(0, 29)) == 0:
        return draw(json_values)  # not an object at all
    return out


def deep(draw: st.DrawFn) -> bytes:
    depth = draw(st.sampled_from([LIMITS.max_depth + 1, 1000, 100000, 150000]))
    opener = draw(st.sampled_from([b"[", b"{", b'{"a":', b'[{"a":', b"[1,", b'["x",']))
    closer = b"]" * depth if draw(st.booleans()) else b""
    return (opener * depth + closer)[: LIMITS.max_body]


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    """Bytes that are not (all) a JSON-RPC request: random, invalid UTF-8, truncated, deep."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=300))
    if kind == 1:  # a valid request with invalid UTF-8 spliced in
        text = json.dumps(draw(requests())).encode()
        at = draw(st.integers(0, len(text)))
        return (
            text[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]))
            + text[at:]
        )
    if kind == 2:  # a request cut short
        text = json.dumps(draw(requests())).encode()
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if kind == 3:
        return deep(draw)
    if kind == 4:  # NaN, Infinity, a BOM, nothing but blanks
        return draw(st.sampled_from(ODD_BODIES))
    return json.dumps(draw(json_values)).encode()


HEADER_NAMES = [
    "Content-Length",
    "content-length",
    "Transfer-Encoding",
    "Content-Type",
    "Connection",
    "Expect",
    "X-" + "a" * 100,
]
HEADER_VALUES = [
    *("-1", "-100000000000", "0", "1", "abc", "+5", "1e3", "99999999999999999999999999999"),
    *(str(LIMITS.max_body + 1), "chunked", "close", "keep-alive", "100-continue", "", " 5", "\x7f"),
]
ODD_BODIES = [
    b'{"jsonrpc":"2.0","id":NaN,"method":"rollup_status"}',
    b"[Infinity]",
    b'\xef\xbb\xbf{"jsonrpc":"2.0","id":1,"method":"rollup_status"}',
    b" \n\t",
    b"",
]


@st.composite
def raw_http(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(head, body): any verb, any target, any version, headers drawn from a list of sore spots."""
    verb = draw(
        st.sampled_from(["POST", "GET", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "FROB", "post", ""])
    )
    target = draw(st.sampled_from(["/", "*", "/rpc", "http://x/", "/" + "a" * 70000]) | st.text(max_size=10))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1 extra", ""]))
    headers = draw(
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), st.sampled_from(HEADER_VALUES)), max_size=4)
    )
    # every body is at least as long as any valid drawn length (<= 5): no draw waits for the idle timeout
    body = draw(
        st.sampled_from([b"     ", b"{}   ", b'{"jsonrpc": "2.0", "id": 1, "method": "rollup_status"}'])
    )
    if draw(st.booleans()):  # a correct Content-Length first, the drawn ones after it
        headers.insert(0, ("Content-Length", str(len(body))))
    line = f"{verb} {target} {version}".encode("utf-8", "surrogatepass")
    head = line + b"\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n"
    return head, body


# -- the properties ---------------------------------------------------------------------------------------


@FUZZ
@given(request=requests())
def test_request_objects(fuzzed: Fuzzed, request: Any) -> None:
    check_ids(post(fuzzed, json.dumps(request).encode()), request)


@FUZZ
@given(batch=st.lists(requests(), max_size=LIMITS.max_batch + 3))
def test_batches(fuzzed: Fuzzed, batch: list[Any]) -> None:
    check_ids(post(fuzzed, json.dumps(batch).encode()), batch)


@FUZZ
@given(method=st.sampled_from(sorted(SERVED)), data=st.data())
def test_wrong_params_to_every_method(fuzzed: Fuzzed, method: str, data: st.DataObject) -> None:
    params = data.draw(params_for(method))
    request = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    check_ids(post(fuzzed, json.dumps(request).encode()), request)


@FUZZ
@given(tx=tx_like())
def test_malformed_transactions(fuzzed: Fuzzed, tx: dict[str, Any]) -> None:
    request = {"jsonrpc": "2.0", "id": "tx", "method": "rollup_sendTransaction", "params": [tx]}
    answer = check_ids(post(fuzzed, json.dumps(request).encode()), request)
    assert answer["error"]["code"] == REJECTED and answer["error"]["data"]["reason"], answer


@FUZZ
@given(body=raw_bodies())
def test_bodies_that_are_not_json_rpc(fuzzed: Fuzzed, body: bytes) -> None:
    check_reply(post(fuzzed, body))


@FUZZ
@given(request=raw_http())
def test_malformed_http(fuzzed: Fuzzed, request: tuple[bytes, bytes]) -> None:
    head, body = request
    check_reply(exchange(fuzzed, head + body), head=head.startswith(b"HEAD "))


# -- by hand, over the standard library's sockets ----------------------------------------------------------


def test_deep_nesting_negative_and_huge_lengths(fuzzed: Fuzzed) -> None:
    nested = post(fuzzed, b"[" * 100000 + b"]" * 100000)  # the body that killed the sequencer
    assert nested.status == 200 and nested.json()["error"]["code"] == INVALID_REQUEST
    assert "deeper than" in nested.json()["error"]["message"]
    assert post(fuzzed, b"{}", "Content-Length: -1\r\n").status == 400
    assert post(fuzzed, b"{}", f"Content-Length: {10**30}\r\n").status == 413
    assert post(fuzzed, b"{}", "").status == 411
    big = post(fuzzed, b"[" + b"1," * (LIMITS.max_body // 2) + b"1]")  # larger than the limit, really sent
    assert big.status == 413


def drip(f: Fuzzed, head: bytes, body: bytes, every: float, out: dict[str, Reply], key: str) -> None:
    """Send `head`, then `body` a byte at a time, until the daemon answers (for a thread: into `out`)."""
    out[key] = rawhttp.drip(_port(f), head, body, every, timeout=LIMITS.request_deadline_s + 10)


def test_short_and_slow_bodies_time_out_while_others_are_served(fuzzed: Fuzzed) -> None:
    request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "rollup_status", "params": []}).encode()
    head = f"POST / HTTP/1.1\r\nContent-Length: {len(request)}\r\n\r\n".encode()
    replies: dict[str, Reply] = {}
    slow = [
        threading.Thread(target=drip, args=(fuzzed, head + request[:10], b"", 0, replies, "short")),
        threading.Thread(target=drip, args=(fuzzed, head, request * 10, 1.0, replies, "drip")),  # each byte
        threading.Thread(
            target=drip, args=(fuzzed, b"", head + request, 1.0, replies, "drip-head")
        ),  # in 1 s
    ]
    for t in slow:
        t.start()
    served = 0
    while any(t.is_alive() for t in slow):  # meanwhile, everyone else is served at once
        reply = post(fuzzed, request)
        assert reply.status == 200 and "result" in reply.json() and reply.elapsed < 2.0, reply
        served += 1
        time.sleep(0.2)
    for t in slow:
        t.join()
    assert replies["short"].status == 408
    assert LIMITS.idle_timeout_s - 0.5 < replies["short"].elapsed < LIMITS.idle_timeout_s + 3
    for key in ("drip", "drip-head"):
        assert replies[key].status == 408, replies[key]
        assert LIMITS.request_deadline_s - 0.5 < replies[key].elapsed < LIMITS.request_deadline_s + 3
    assert served > 10


def test_a_flood_of_idle_connections_is_refused_at_once(fuzzed: Fuzzed) -> None:
    flood = [
        socket.create_connection(("127.0.0.1", _port(fuzzed)), timeout=5)
        for _ in range(LIMITS.max_connections + 8)
    ]
    try:
        time.sleep(0.5)  # well within the idle timeout: the first ones hold their slots
        refused = [s for s in flood if select.select([s], [], [], 0)[0]]
        assert len(flood) - len(refused) <= LIMITS.max_connections and len(refused) >= 8
        for s in refused:
            reply = read_reply(s, time.monotonic())
            assert reply.status == 503 and reply.json()["error"]["code"] == UNAVAILABLE, reply
    finally:
        for s in flood:
            s.close()
    deadline = time.monotonic() + 5
    status = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "rollup_status"}).encode()
    while (reply := post(fuzzed, status)).status == 503:
        assert time.monotonic() < deadline, "the connection slots were never given back"
        time.sleep(0.1)
    assert reply.status == 200 and "result" in reply.json()


def test_the_daemon_is_alive_serves_and_changed_nothing(fuzzed: Fuzzed) -> None:
    """Last in the module: after everything above."""
    rollup = fuzzed.rollup
    code = rollup.sequencer.wait_exit(0)  # before the fix: -11, SIGSEGV in the C JSON parser
    assert code is None, f"the sequencer died (exit code {code}): {rollup.sequencer.last_log_line()}"
    assert rollup.client.status()["last_block"] == fuzzed.before["status"]["last_block"]
    assert snapshot(rollup) == fuzzed.before
    log = rollup.sequencer.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 500 :][:3000]
    print(f"{fuzzed.sent} requests sent to the live sequencer")
