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
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = loads(response.read(MAX_ANSWER), MAX_DEPTH)
    except urllib.error.HTTPError as exc:  # refused at the HTTP level, with a JSON-RPC error as the body
        if exc.code == 503:
            raise RpcUnavailable(f"{daemon} at {url} is busy (HTTP 503): try again") from None
        answer = _http_error_body(exc)
        if answer is None:
            raise RpcFailed(exc.code, f"{daemon} at {url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        hint = ": is `rollup sequencer` running?" if daemon == "the sequencer" else ""
        raise RpcUnavailable(f"{daemon} at {url} does not answer ({reason}){hint}") from None
    if not isinstance(answer, dict):
        raise RpcFailed(0, f"{daemon} at {url} answered something else than a JSON-RPC response")
    if "error" in answer:
        err = answer["error"]
        if not isinstance(err, dict):
            raise RpcFailed(0, f"malformed error from {url}: {err!r:.200}")
        data = err.get("data")
        if isinstance(data, dict) and "reason" in data:
            facts = data.get("facts")
            items = facts.items() if isinstance(facts, dict) else ()
            numbers = {str(k): v for k, v in items if type(v) is int}
            raise TxRejected(str(data["reason"]), f"refused: {err.get('message')}", numbers)
        code = err.get("code")
        raise RpcFailed(code if type(code) is int else 0, str(err.get("message")), data)
    return answer.get("result")


def _http_error_body(exc: urllib.error.HTTPError) -> Any:
    try:
        answer = loads(exc.read(MAX_ANSWER), MAX_DEPTH)
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else None
