"""A small JSON-RPC 2.0 server over HTTP POST (stdlib, one thread per request).

Methods take positional params. A method raising `RpcError` answers with its code and data; `TxRejected`
becomes code -32000 with the rule's name in `data.reason`; anything else is logged and answered as an
internal error without the traceback.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from orchestrator.errors import RollupError, TxRejected

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL = (
    -32700,
    -32600,
    -32601,
    -32602,
    -32603,
)
REJECTED = -32000  # an L2 rule refused the transaction (data.reason names it)
NOT_FOUND = -32001
UNAVAILABLE = -32002
MAX_BODY = 1 << 20

Method = Callable[..., Any]


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


def _error(req_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": req_id, "error": err}


def dispatch(methods: Mapping[str, Method], body: bytes) -> dict[str, Any]:
    """One request's answer (batches are not supported: the wallets never send them)."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(None, PARSE_ERROR, "the request body is not JSON")
    if (
        not isinstance(request, dict)
        or request.get("jsonrpc") != "2.0"
        or not isinstance(request.get("method"), str)
    ):
        return _error(
            None, INVALID_REQUEST, 'expected {"jsonrpc": "2.0", "method": ..., "params": [...], "id": ...}'
        )
    req_id = request.get("id")
    method = methods.get(request["method"])
    if method is None:
        return _error(req_id, METHOD_NOT_FOUND, f"unknown method {request['method']!r}")
    params = request.get("params", [])
    if not isinstance(params, list):
        return _error(req_id, INVALID_PARAMS, "params must be a list")
    try:
        inspect.signature(method).bind(*params)
    except TypeError as exc:  # the arity only: a TypeError inside a method is a bug, answered as one
        return _error(req_id, INVALID_PARAMS, f"bad params for {request['method']}: {exc}")
    try:
        return {"jsonrpc": "2.0", "id": req_id, "result": method(*params)}
    except RpcError as exc:
        return _error(req_id, exc.code, str(exc), exc.data)
    except TxRejected as exc:
        return _error(req_id, REJECTED, str(exc), {"reason": exc.code})
    except RollupError as exc:
        return _error(req_id, UNAVAILABLE, str(exc))
    except Exception:
        log.exception("rpc method %s failed", request["method"])
        return _error(req_id, INTERNAL, "internal error (see the daemon's log)")


class _Handler(BaseHTTPRequestHandler):
    server: JsonRpcServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            answer = _error(None, INVALID_REQUEST, f"request larger than {MAX_BODY} bytes")
        else:
            answer = dispatch(self.server.methods, self.rfile.read(length))
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("rpc %s", format % args)


class JsonRpcServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, methods: Mapping[str, Method]) -> None:
        super().__init__((host, port), _Handler)
        self.methods = methods
        self.thread = threading.Thread(target=self.serve_forever, name="json-rpc", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
