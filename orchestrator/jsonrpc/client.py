"""The wallets' side: call a JSON-RPC method, get its result or one clear `RollupError`."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from orchestrator.errors import RollupError, TxRejected

_ids = itertools.count(1)


class RpcUnavailable(RollupError):
    """The daemon does not answer (not running, wrong port)."""


class RpcFailed(RollupError):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


def call(url: str, method: str, *params: Any, timeout: float = 30.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RpcUnavailable(
            f"the sequencer at {url} does not answer ({reason}): is `rollup sequencer` running?"
        ) from None
    if "error" in answer:
        err = answer["error"]
        data = err.get("data")
        if isinstance(data, dict) and "reason" in data:
            raise TxRejected(str(data["reason"]), f"refused: {err.get('message')}")
        raise RpcFailed(int(err.get("code", 0)), str(err.get("message")), data)
    return answer.get("result")
