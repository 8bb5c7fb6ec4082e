"""The answers to GET /metrics and GET /health, and what a daemon's health is made of."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

METRICS_PATH, HEALTH_PATH = "/metrics", "/health"

Route = Callable[[], tuple[int, str, bytes]]  # the JSON-RPC server's GetRoute: status, content type, body
Health = dict[str, Any]

_LABEL = re.compile(r"^[a-z0-9_-]{1,40}$")


def routes(registry: CollectorRegistry, health: Callable[[], Health]) -> dict[str, Route]:
    """GET /metrics (the registry in Prometheus' text format) and GET /health (200 when ok, else 503)."""

    def metrics() -> tuple[int, str, bytes]:
        return 200, CONTENT_TYPE_LATEST, generate_latest(registry)

    def healthy() -> tuple[int, str, bytes]:
        doc = health()
        return (200 if doc["ok"] else 503), "application/json", json.dumps(doc).encode()

    return {METRICS_PATH: metrics, HEALTH_PATH: healthy}


def health_doc(daemon: str, problems: Sequence[str], **facts: Any) -> Health:
    """{"daemon", "ok", "reason" (None when ok), facts...}."""
    return {"daemon": daemon, "ok": not problems, "reason": "; ".join(problems) or None, **facts}


def unreachable(errors: Mapping[str, str]) -> list[str]:
    """Health problems for the chains that did not answer the daemon's last lifeline check."""
    return [f"chain {name} does not answer ({error})" for name, error in sorted(errors.items())]


def label(value: str) -> str:
    """A label value from outside (a refusal's code): kept if short and plain, else "other", so that no
    input can grow the number of series."""
    return value if _LABEL.match(value) else "other"


class Rounds:
    """When the daemon's loop last came round: a loop stuck longer than `stale_after_s` (a receipt that
    never comes, a hung node call) makes the daemon not ok, while its server threads still answer."""

    def __init__(self, stale_after_s: float) -> None:
        self.stale_after_s = stale_after_s
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self.last

    def problems(self) -> list[str]:
        age = self.age()
        return [f"no round for {age:.0f} s (stalled?)"] if age > self.stale_after_s else []


def exodus_gauge(registry: CollectorRegistry, chains: Iterable[str]) -> Gauge:
    """rollup_exodus_active{chain}: 1 once exodus started on the chain (read every few seconds)."""
    gauge = Gauge(
        "rollup_exodus_active",
        "1 if exodus is active on the chain, else 0 (read from its rollup every few seconds)",
        ["chain"],
        registry=registry,
    )
    for name in chains:
        gauge.labels(name)
    return gauge
