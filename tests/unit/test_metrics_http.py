"""GET /metrics and GET /health on the JSON-RPC server (orchestrator/metrics): Prometheus' text format from
the daemon's own registry, 200 or 503 with a JSON document, 404 for any other path, all under the
server's limits; a GET-only server (the relayer's) refuses POST, and POST still works beside the routes."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from orchestrator.devnet.node import free_ports
from orchestrator.jsonrpc.server import INVALID_REQUEST, GetRoute, JsonRpcServer, Limits, Method
from orchestrator.metrics.http import Rounds, health_doc, label, routes, unreachable
from tests.rawhttp import exchange, post, read_replies
from tests.unit.rpc_calls import Calls, req

FAST = Limits(idle_timeout_s=0.5, request_deadline_s=1.5, max_connections=4, linger_s=0.1)


class Daemon:
    """What a daemon gives its server: a registry with one counter, and a health it can change."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.hits = Counter("rollup_test_hits_total", "hits", ["reason"], registry=self.registry)
        self.problems: list[str] = []

    def health(self) -> dict[str, Any]:
        return health_doc("tester", self.problems, last_block=7)


@contextmanager
def serving(methods: dict[str, Method], get: dict[str, GetRoute]) -> Iterator[int]:
    port = free_ports(1)[0]
    server = JsonRpcServer("127.0.0.1", port, methods, FAST, routes=get)
    server.start()
    try:
        yield port
    finally:
        stopper = threading.Thread(target=server.stop, daemon=True)
        stopper.start()
        stopper.join(10)
    assert not stopper.is_alive(), "the server did not stop"


@pytest.fixture
def daemon() -> Iterator[tuple[int, Daemon]]:
    d = Daemon()
    with serving(Calls().methods(), routes(d.registry, d.health)) as port:
        yield port, d


def get(port: int, path: str, verb: str = "GET", extra: str = "") -> Any:
    return exchange(port, f"{verb} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n".encode())


def test_metrics_are_the_registry_in_prometheus_text_format(daemon: tuple[int, Daemon]) -> None:
    port, d = daemon
    d.hits.labels("bad_nonce").inc(2)
    reply = get(port, "/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(reply.body.decode())}
    [sample] = [s for s in families["rollup_test_hits"].samples if s.name == "rollup_test_hits_total"]
    assert sample.labels == {"reason": "bad_nonce"} and sample.value == 2
    assert get(port, "/metrics?x=1").status == 200  # a query string is ignored
    head = get(port, "/metrics", "HEAD")
    assert head.status == 200 and head.body == b""


def test_health_is_200_when_ok_and_503_with_the_reason_when_not(daemon: tuple[int, Daemon]) -> None:
    port, d = daemon
    reply = get(port, "/health")
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json() == {"daemon": "tester", "ok": True, "reason": None, "last_block": 7}
    d.problems = ["chain beta does not answer (timed out)", "no round for 90 s (stalled?)"]
    reply = get(port, "/health")
    assert reply.status == 503
    doc = reply.json()
    assert doc["ok"] is False and doc["reason"] == "; ".join(d.problems) and doc["last_block"] == 7


def test_another_path_is_a_404_without_a_traceback(
    daemon: tuple[int, Daemon], caplog: pytest.LogCaptureFixture
) -> None:
    port, _ = daemon
    for path in ("/", "/metricsx", "/health/", "*", "http://x/metrics", "/" + "a" * 5000):
        reply = get(port, path)
        assert reply.status == 404, (path, reply)
        error = reply.json()["error"]
        assert error["code"] == INVALID_REQUEST and "/metrics" in error["message"]
        assert "Traceback" not in reply.body.decode() and len(reply.body) < 300
        assert reply.headers["connection"] == "close"
    assert get(port, "/nope", "HEAD").body == b""
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_get_with_a_body_is_refused_and_post_still_works_beside_the_routes(
    daemon: tuple[int, Daemon],
) -> None:
    port, _ = daemon
    reply = get(port, "/metrics", extra="Content-Length: 5\r\n")
    assert reply.status == 400 and "carries no body" in reply.json()["error"]["message"]
    assert get(port, "/metrics", extra="Transfer-Encoding: chunked\r\n").status == 400
    assert get(port, "/metrics", extra="Content-Length: 0\r\n").status == 200
    assert post(port, json.dumps(req("echo", "hi")).encode()).json()["result"] == ["hi"]
    reply = get(port, "/metrics", "PUT")
    assert reply.status == 405 and reply.headers["allow"] == "GET, HEAD, POST"


def test_gets_share_a_kept_alive_connection_with_posts(daemon: tuple[int, Daemon]) -> None:
    port, _ = daemon
    body = json.dumps(req("echo", 1)).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(
            b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
            + f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
            + b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        replies = read_replies(s, 3, time.monotonic())
    assert [r.status for r in replies] == [200, 200, 200]
    assert replies[0].json()["ok"] is True and replies[1].json()["result"] == [1]


def test_a_failing_route_is_a_500_without_a_traceback_and_the_server_goes_on() -> None:
    def broken() -> tuple[int, str, bytes]:
        raise ValueError("a bug in a route")

    with serving({}, {"/metrics": broken, "/health": lambda: (200, "application/json", b"{}")}) as port:
        reply = get(port, "/metrics")
        assert reply.status == 500 and "a bug" not in reply.body.decode()
        assert "Traceback" not in reply.body.decode()
        assert get(port, "/health").status == 200


def test_a_get_only_server_refuses_post() -> None:
    d = Daemon()
    with serving({}, routes(d.registry, d.health)) as port:
        reply = post(port, json.dumps(req("echo", 1)).encode())
        assert reply.status == 405 and reply.headers["allow"] == "GET, HEAD"
        assert get(port, "/health").status == 200


def test_a_label_from_outside_cannot_grow_the_series() -> None:
    assert label("bad_nonce") == "bad_nonce"
    assert label("x" * 41) == label("a b") == label("") == label("Ünïcode") == "other"


def test_a_stuck_loop_and_a_silent_chain_are_health_problems() -> None:
    rounds = Rounds(stale_after_s=0.05)
    assert rounds.problems() == []
    time.sleep(0.1)
    assert rounds.problems() == ["no round for 0 s (stalled?)"]
    rounds.beat()
    assert rounds.problems() == [] and rounds.age() < 0.05
    assert unreachable({"beta": "timed out"}) == ["chain beta does not answer (timed out)"]
    doc = health_doc("relayer", unreachable({"beta": "timed out"}), waiting=2)
    assert doc == {
        "daemon": "relayer",
        "ok": False,
        "reason": "chain beta does not answer (timed out)",
        "waiting": 2,
    }
