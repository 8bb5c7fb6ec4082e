"""The wallets' side: call a JSON-RPC method, get its result or one clear `RollupError`. Each thread keeps
its connection to a server open between calls (HTTP keep-alive)."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
import urllib.parse
from typing import Any

from orchestrator.errors import RollupError, TxRejected
from orchestrator.jsonrpc.safejson import loads

MAX_ANSWER = 64 << 20  # bytes read from an answer
MAX_DEPTH = 64  # nesting accepted in an answer (the same C-stack hazard as the server's, see safejson)

_ids = itertools.count(1)


class RpcUnavailable(RollupError):
    """The daemon does not answer (not running, wrong port)."""


class RpcFailed(RollupError):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


def call(url: str, method: str, *params: Any, timeout: float = 30.0, daemon: str = "the sequencer") -> Any:
    """`method(*params)` at `url`; errors name `daemon` (who serves `url`)."""
    answer = _post(
        url, {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)}, timeout, daemon
    )
    result = _result(answer, url, daemon)
    if isinstance(result, RollupError):
        raise result
    return result


def call_batch(
    url: str, method: str, params: list[list[Any]], timeout: float = 30.0, daemon: str = "the sequencer"
) -> list[Any]:
    """`method(*p)` for each `p` of `params` in one JSON-RPC batch (one HTTP request; the sequencer stores
    a batch's transactions with one disk sync). Each result in order, or the `RollupError` it failed with
    (`TxRejected` for a refused transaction); a failure of the whole request raises."""
    # ids need only be unique within the batch: its index
    requests = [{"jsonrpc": "2.0", "id": i, "method": method, "params": p} for i, p in enumerate(params)]
    answers = _post(url, requests, timeout, daemon)
    if not isinstance(answers, list):
        failed = _result(answers, url, daemon)  # the whole batch was refused: its one error
        raise (
            failed
            if isinstance(failed, RollupError)
            else RpcFailed(0, f"{daemon} at {url}: not a batch answer")
        )
    by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
    missing = RpcFailed(0, f"{daemon} at {url} left a request of the batch unanswered")
    return [_result(by_id[r["id"]], url, daemon) if r["id"] in by_id else missing for r in requests]


class _KeptConnections(threading.local):
    """This thread's open connections, one per server, for the next call (HTTP keep-alive)."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[http.client.HTTPConnection, float]] = {}


_kept = _KeptConnections()
KEEP_IDLE_S = 2.0
"""A kept connection idle longer is closed here, not reused: the server drops idle ones after 5 s, and a
request must not race that."""
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str, bool]:
    """A connection to `url`'s server (kept from an earlier call when it is fresh enough), the path to
    POST to, and whether the connection was kept."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    kept = _kept.open.pop(url, None)
    if kept is not None:
        connection, last_used = kept
        if time.monotonic() - last_used < KEEP_IDLE_S:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            return connection, parts.path or "/", True
        connection.close()
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, parts.port, timeout=timeout), parts.path or "/", False


def _exchange(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    """POST `body`; the answer's status and body. A kept connection the server closed meanwhile is
    replaced once by a new one (the request never reached the server)."""
    while True:
        connection, path, kept = _connection(url, timeout)
        try:
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read(MAX_ANSWER)
        except _STALE:
            connection.close()
            if kept:
                continue
            raise
        except BaseException:
            connection.close()
            raise
        if response.will_close or not response.isclosed():  # closing, or an answer larger than we read
            connection.close()
        else:
            _kept.open[url] = (connection, time.monotonic())
        return response.status, data


def _post(url: str, payload: Any, timeout: float, daemon: str) -> Any:
    """POST `payload` as JSON; the parsed answer (an error body of an HTTP refusal included)."""
    try:
        status, data = _exchange(url, json.dumps(payload).encode(), timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        hint = ": is `rollup sequencer` running?" if daemon == "the sequencer" else ""
        raise RpcUnavailable(f"{daemon} at {url} does not answer ({exc}){hint}") from None
    if status == 503:
        raise RpcUnavailable(f"{daemon} at {url} is busy (HTTP 503): try again")
    if status >= 400:  # refused at the HTTP level, with a JSON-RPC error as the body
        answer = _http_error_body(data)
        if answer is None:
            raise RpcFailed(status, f"{daemon} at {url} answered HTTP {status}")
        return answer
    try:
        return loads(data, MAX_DEPTH)
    except ValueError as exc:
        raise RpcUnavailable(f"{daemon} at {url} answered something else than JSON ({exc})") from None


def _result(answer: Any, url: str, daemon: str) -> Any:
    """One response object's result, or the `RollupError` it carries (returned, not raised)."""
    if not isinstance(answer, dict):
        return RpcFailed(0, f"{daemon} at {url} answered something else than a JSON-RPC response")
    if "error" in answer:
        err = answer["error"]
        if not isinstance(err, dict):
            return RpcFailed(0, f"malformed error from {url}: {err!r:.200}")
        data = err.get("data")
        if isinstance(data, dict) and "reason" in data:
            facts = data.get("facts")
            items = facts.items() if isinstance(facts, dict) else ()
            numbers = {str(k): v for k, v in items if type(v) is int}
            return TxRejected(str(data["reason"]), f"refused: {err.get('message')}", numbers)
        code = err.get("code")
        return RpcFailed(code if type(code) is int else 0, str(err.get("message")), data)
    return answer.get("result")


def _http_error_body(data: bytes) -> Any:
    try:
        answer = loads(data, MAX_DEPTH)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else None
