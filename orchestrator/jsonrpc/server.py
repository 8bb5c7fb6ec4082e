"""A small JSON-RPC 2.0 server over HTTP POST (stdlib, one thread per connection, kept alive for up to
`Limits.keepalive_requests` requests), which also answers GET (and HEAD) on the few paths given to it as
`routes` (a daemon's /metrics and /health: orchestrator/metrics); a server without methods serves GET only.

Methods take positional params. A method raising `RpcError` answers with its code and data; `TxRejected`
becomes code -32000 with the rule's name in `data.reason`; another `RollupError` -32002; anything else is
logged and answered as an internal error (-32603) without the traceback.

Nothing a client sends may crash or wedge the daemon (docs/daemons.md, "The JSON-RPC's limits"): the body
must come with a valid Content-Length no larger than `Limits.max_body`, arrive whole within
`Limits.request_deadline_s` of the connection's accept or of the previous answer on it (and never stall
longer than `Limits.idle_timeout_s`: an idle kept-alive connection closes then), and nest no deeper than
`Limits.max_depth` (checked before parsing: see safejson.py); a batch holds at most `Limits.max_batch`
requests, run in one `batch_scope` (the sequencer stores a batch's transfers with one disk sync); at most
`Limits.max_connections` connections are served at once, the others refused at once
with 503. Refusals at the HTTP level carry a JSON-RPC error object (id null) as their body.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from orchestrator.errors import RollupError, TxRejected
from orchestrator.jsonrpc.safejson import JsonTooDeep, loads

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
UNAVAILABLE = -32002  # a RollupError inside a method, or the server is at its connection cap (HTTP 503)


@dataclass(frozen=True)
class Limits:
    max_body: int = 1 << 20  # bytes in one request body (Content-Length)
    max_depth: int = 32  # nesting of arrays and objects in the body
    max_batch: int = 50  # requests in one batch
    idle_timeout_s: float = 5.0  # longest silence while reading a request or writing its answer
    request_deadline_s: float = 10.0  # request line, headers and body, from the connection's accept
    max_connections: int = 32  # connections served at once; more are answered 503 and closed
    linger_s: float = 0.5  # after refusing a body unread, how long to read and discard what still comes
    keepalive_requests: int = 100  # requests one connection may carry; the last answer says Connection: close


DEFAULT_LIMITS = Limits()

Method = Callable[..., Any]
Answer = dict[str, Any] | list[dict[str, Any]] | None  # None: nothing to answer (notifications only)
BatchScope = Callable[[], AbstractContextManager[object]]
GetRoute = Callable[[], tuple[int, str, bytes]]  # a GET path's answer: status, content type, body


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


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _valid_id(value: Any) -> bool:
    return value is None or isinstance(value, str) or (type(value) in (int, float))


# -- the dispatcher --------------------------------------------------------------------------------------


def dispatch(
    methods: Mapping[str, Method],
    body: bytes,
    limits: Limits = DEFAULT_LIMITS,
    batch_scope: BatchScope | None = None,
) -> Answer:
    """The answer to one body: an object, a list (a batch), or None when only notifications came. A batch
    runs inside `batch_scope()` (the sequencer's: one store transaction for all its writes), which ends
    before the answer exists: if it fails, every request of the batch is answered with its error."""
    try:
        request = loads(body, limits.max_depth)
    except JsonTooDeep as exc:
        return _error(None, INVALID_REQUEST, str(exc))
    except ValueError:
        return _error(None, PARSE_ERROR, "the request body is not JSON (UTF-8)")
    if not isinstance(request, list):
        return _one(methods, request)
    if not request:
        return _error(None, INVALID_REQUEST, "an empty batch")
    if len(request) > limits.max_batch:
        return _error(
            None, INVALID_REQUEST, f"a batch holds at most {limits.max_batch} requests, got {len(request)}"
        )
    try:
        with batch_scope() if batch_scope is not None else nullcontext():
            answers = [a for a in (_one(methods, r) for r in request) if a is not None]
    except RollupError as exc:
        log.error("rpc batch: %s", exc)
        message = f"the batch could not be stored ({exc}); look its transactions up by hash"
        return [_error(r.get("id") if isinstance(r, dict) else None, UNAVAILABLE, message) for r in request]
    return answers or None


def _one(methods: Mapping[str, Method], request: Any) -> dict[str, Any] | None:
    """One request object's answer, or None for a notification (a valid request without "id")."""
    if not isinstance(request, dict):
        return _error(None, INVALID_REQUEST, "a request is a JSON object")
    req_id = request.get("id")
    if not _valid_id(req_id):
        return _error(None, INVALID_REQUEST, "id must be a string, a number or null")
    if request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
        return _error(
            req_id, INVALID_REQUEST, 'expected {"jsonrpc": "2.0", "method": ..., "params": [...], "id": ...}'
        )
    params = request.get("params", [])
    if not isinstance(params, list | dict):
        return _error(req_id, INVALID_REQUEST, "params must be an array, or left out")
    answer = _call(methods, request["method"], params, req_id)
    return answer if "id" in request else None


def _call(
    methods: Mapping[str, Method], name: str, params: list[Any] | dict[str, Any], req_id: Any
) -> dict[str, Any]:
    method = methods.get(name)
    if method is None:
        return _error(req_id, METHOD_NOT_FOUND, f"unknown method {_short(name)}")
    if isinstance(params, dict):
        return _error(req_id, INVALID_PARAMS, "named params (an object) are not supported: send an array")
    try:
        inspect.signature(method).bind(*params)
    except TypeError as exc:  # the arity only: a TypeError inside a method is a bug, answered as one
        return _error(req_id, INVALID_PARAMS, f"bad params for {name}: {exc}")
    try:
        return {"jsonrpc": "2.0", "id": req_id, "result": method(*params)}
    except RpcError as exc:
        return _error(req_id, exc.code, str(exc), exc.data)
    except TxRejected as exc:
        facts = {"facts": exc.facts} if exc.facts else {}  # the numbers behind it, for the wallet to word
        return _error(req_id, REJECTED, str(exc), {"reason": exc.code, **facts})
    except RollupError as exc:
        return _error(req_id, UNAVAILABLE, str(exc))
    except Exception:
        log.exception("rpc method %s failed", name)
        return _error(req_id, INTERNAL, "internal error (see the daemon's log)")


# -- HTTP --------------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


class _DeadlineReader(io.RawIOBase):
    """The socket's reading side: no recv waits past the idle timeout nor past the request's deadline."""

    def __init__(self, sock: socket.socket, idle_s: float, deadline: float) -> None:
        self.sock, self.idle_s = sock, idle_s
        self.restart(deadline)

    def restart(self, deadline: float) -> None:
        """A new request on the connection: its own deadline, nothing of it received yet."""
        self.deadline, self.expired, self.received = deadline, False, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(min(self.idle_s, left))
        try:
            got = self.sock.recv_into(buffer)
        except TimeoutError:
            self.expired = True
            raise
        self.received += got
        return got


class _Handler(BaseHTTPRequestHandler):
    server: JsonRpcServer
    # HTTP/1.1: connections stay open between requests (keep-alive), each request with its own deadline;
    # every answer, even to a garbled request line, starts with a status line
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: an answer goes out as headers then body, and on a kept connection Nagle's algorithm
    # would hold the body until the client's delayed ACK of the headers (40 ms an answer, measured)
    disable_nagle_algorithm = True
    default_request_version = "HTTP/1.0"

    def version_string(self) -> str:
        return "rollup-jsonrpc"

    @property
    def request_version(self) -> str:
        return self._request_version

    @request_version.setter
    def request_version(self, version: str) -> None:
        # the stdlib answers a request that says HTTP/0.9 without a status line or headers
        self._request_version = "HTTP/1.0" if version == "HTTP/0.9" else version

    def setup(self) -> None:
        limits = self.server.limits
        super().setup()
        self.connection.settimeout(limits.idle_timeout_s)
        self.rfile.close()  # the stdlib's buffered file: replaced by one that keeps the deadline
        self.reader = _DeadlineReader(
            self.connection, limits.idle_timeout_s, time.monotonic() + limits.request_deadline_s
        )
        self.rfile = io.BufferedReader(self.reader)
        self.served = 0  # requests answered on this connection

    def handle_one_request(self) -> None:
        limits = self.server.limits
        self.reader.restart(time.monotonic() + limits.request_deadline_s)
        self.responded, self.raw_requestline = False, b""
        # what parse_request sets, for an answer to a request line that never arrived
        self.command, self.requestline, self.request_version = "", "", "HTTP/1.0"
        super().handle_one_request()
        if self.responded:
            self.served += 1
            return
        self.close_connection = True
        if self.reader.expired:  # timed out in the request line or the headers
            if self.served == 0 or self.reader.received:  # not a kept-alive connection left idle
                self._refuse(408, "the request did not arrive in time")
        elif self.raw_requestline:  # a blank request line: the stdlib closes silently
            self._refuse(400, "an empty request line")

    def send_response(self, code: int, message: str | None = None) -> None:
        self.responded = True
        super().send_response(code, message)

    def do_POST(self) -> None:
        if not self.server.methods:  # a GET-only server (the relayer's metrics)
            self._not_allowed()
            return
        limits = self.server.limits
        length = self._content_length()
        if length is None:
            return
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self._refuse(
                408,
                f"the body did not arrive in time (all of it within {limits.request_deadline_s:g} s of "
                f"connecting, no pause of {limits.idle_timeout_s:g} s)",
            )
            return
        if len(body) < length:
            self._refuse(400, f"the body ended after {len(body)} of {length} bytes")
            return
        answer = dispatch(self.server.methods, body, limits, self.server.batch_scope)
        if answer is None:  # only notifications: nothing to say
            self._send(204, b"")
            return
        try:
            data = json.dumps(answer).encode()
        except (TypeError, ValueError):  # a method returned what JSON cannot carry: a bug, logged
            log.exception("rpc answer is not JSON")
            data = json.dumps(_error(None, INTERNAL, "internal error (see the daemon's log)")).encode()
        self._send(200, data)

    def _content_length(self) -> int | None:
        """The body's length; None once the request was refused for it."""
        limits = self.server.limits
        if self.headers.get("Transfer-Encoding") is not None:
            self._refuse(411, "send the body with a Content-Length (no Transfer-Encoding)")
            return None
        values = self.headers.get_all("Content-Length") or []
        if not values:
            self._refuse(411, "a POST needs a Content-Length header")
            return None
        raw = values[0].strip()
        if any(v.strip() != raw for v in values):
            self._refuse(400, "conflicting Content-Length headers")
            return None
        if not _DIGITS.fullmatch(raw):
            what = "negative" if raw.startswith("-") else "not a number"
            self._refuse(400, f"Content-Length {_short(raw, 40)} is {what}")
            return None
        digits = raw.lstrip("0")
        if len(digits) > len(str(limits.max_body)) or int(digits or "0") > limits.max_body:
            self._refuse(413, f"the body may hold at most {limits.max_body} bytes")
            return None
        return int(digits or "0")

    def _not_allowed(self) -> None:
        self._refuse(405, f"this server answers {self.server.allow} only, not {self.command}")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def do_GET(self) -> None:
        routes = self.server.routes
        if not routes:
            self._not_allowed()
            return
        lengths = [v.strip() for v in self.headers.get_all("Content-Length") or []]
        if self.headers.get("Transfer-Encoding") is not None or any(v != "0" for v in lengths):
            self._refuse(400, f"a {self.command} carries no body")  # unread, it would be the next request
            return
        path = self.path.split("?", 1)[0]
        route = routes.get(path)
        if route is None:
            self._refuse(404, f"no path {_short(path, 60)} here (served: {', '.join(sorted(routes))})")
            return
        try:
            status, content_type, data = route()
        except Exception:
            log.exception("GET %s failed", path)
            self._refuse(500, "internal error (see the daemon's log)")
            return
        self._send(status, data, content_type=content_type)

    do_HEAD = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's refusals (bad request line, headers too long or too many, unknown verb) in JSON."""
        short = self.responses.get(code, ("error",))[0]
        self._refuse(code, f"{short}: {message}" if message else short)

    def _refuse(self, status: int, message: str) -> None:
        """An HTTP error with a JSON-RPC error object as its body; then the connection closes."""
        try:
            self._send(status, json.dumps(_error(None, INVALID_REQUEST, message)).encode(), close=True)
        except OSError:
            return
        self._linger()

    def _send(
        self, status: int, data: bytes, close: bool = False, content_type: str = "application/json"
    ) -> None:
        """The answer; the connection stays open for another request unless `close`, the client asked
        to close (HTTP/1.0 without keep-alive, or Connection: close), or this was its last request."""
        limits = self.server.limits
        self.connection.settimeout(limits.idle_timeout_s)  # the reader may have left less
        last = close or self.close_connection or self.served + 1 >= limits.keepalive_requests
        self.send_response(status)
        if status == 405:
            self.send_header("Allow", self.server.allow)
        if status != 204:  # a 204 has no body and no Content-Length
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close" if last else "keep-alive")
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = last

    def _linger(self) -> None:
        """Read and drop, for a short bounded time, what the client still sends after a refusal: closing
        a socket with unread input resets the connection, and the client could lose the refusal."""
        limits = self.server.limits
        end = time.monotonic() + limits.linger_s
        dropped = 0
        try:
            self.connection.shutdown(socket.SHUT_WR)  # the answer is whole: a client reading to the end stops
            while dropped <= limits.max_body and (left := end - time.monotonic()) > 0:
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    return
                dropped += len(chunk)
        except OSError:
            return

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("rpc %s", format % args)


class JsonRpcServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # the accept loop refuses at once past the cap, so the backlog drains fast

    def __init__(
        self,
        host: str,
        port: int,
        methods: Mapping[str, Method],
        limits: Limits = DEFAULT_LIMITS,
        batch_scope: BatchScope | None = None,
        routes: Mapping[str, GetRoute] | None = None,
    ) -> None:
        self.methods = methods
        self.limits = limits
        self.batch_scope = batch_scope
        self.routes = dict(routes or {})
        self.allow = ", ".join(["GET", "HEAD"] * bool(self.routes) + ["POST"] * bool(methods))
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        super().__init__((host, port), _Handler)
        self.thread = threading.Thread(
            target=self.serve_forever, args=(0.1,), name="json-rpc", daemon=True
        )  # stop() waits at most 0.1 s for the accept loop

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    # one slot per connection: past the cap, the accept loop answers 503 itself and closes

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse_busy(self, request: socket.socket) -> None:
        body = json.dumps(
            _error(None, UNAVAILABLE, f"busy: {self.limits.max_connections} connections open, try again")
        ).encode()
        head = (
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        )
        try:
            request.setblocking(False)  # never let a stranger's full buffer stall the accept loop
            request.send(head.encode() + body)
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):  # the client went away or stalled: nothing to fix here
            log.debug("rpc connection %s: %s", client_address, exc)
        else:
            log.exception("rpc connection %s failed", client_address)
