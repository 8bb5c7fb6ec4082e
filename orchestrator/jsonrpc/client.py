"""The wallets' side: call a JSON-RPC method, get its result or one clear `RollupError`."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
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


def _post(url: str, payload: Any, timeout: float, daemon: str) -> Any:
    """POST `payload` as JSON; the parsed answer (an error body of an HTTP refusal included)."""
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return loads(response.read(MAX_ANSWER), MAX_DEPTH)
    except urllib.error.HTTPError as exc:  # refused at the HTTP level, with a JSON-RPC error as the body
        if exc.code == 503:
            raise RpcUnavailable(f"{daemon} at {url} is busy (HTTP 503): try again") from None
        answer = _http_error_body(exc)
        if answer is None:
            raise RpcFailed(exc.code, f"{daemon} at {url} answered HTTP {exc.code}") from None
        return answer
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        hint = ": is `rollup sequencer` running?" if daemon == "the sequencer" else ""
        raise RpcUnavailable(f"{daemon} at {url} does not answer ({reason}){hint}") from None


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


def _http_error_body(exc: urllib.error.HTTPError) -> Any:
    try:
        answer = loads(exc.read(MAX_ANSWER), MAX_DEPTH)
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else None
