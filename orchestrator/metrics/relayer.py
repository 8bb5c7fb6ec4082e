"""The relayer's metrics (docs/daemons.md lists every name and label). Chains are labelled by name."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from orchestrator.metrics.http import exodus_gauge


class RelayerMetrics:
    def __init__(self, chains: Sequence[str]) -> None:
        r = self.registry = CollectorRegistry()
        self.seen = Counter(
            "rollup_relayer_messages_seen_total",
            "Messages read from a messenger, by source",
            ["source"],
            registry=r,
        )
        self.waiting = Gauge(
            "rollup_relayer_messages_waiting",
            "Messages not delivered yet (and not given up), by destination",
            ["destination"],
            registry=r,
        )
        self.given_up = Gauge(
            "rollup_relayer_messages_given_up",
            "Messages given up after repeated failed deliveries, by destination",
            ["destination"],
            registry=r,
        )
        self.attempts = Counter(
            "rollup_relayer_delivery_attempts_total",
            "Deliveries tried, a message in a batch counting one each, by destination",
            ["destination"],
            registry=r,
        )
        self.failures = Counter(
            "rollup_relayer_delivery_failures_total",
            "Deliveries tried that failed (refused attestation, revert, node error), by destination",
            ["destination"],
            registry=r,
        )
        self.delivered = Counter(
            "rollup_relayer_messages_delivered_total",
            "Messages this relayer delivered, by destination",
            ["destination"],
            registry=r,
        )
        self.exodus = exodus_gauge(r, chains)
        for name in chains:
            self.seen.labels(name)
            for family in (self.waiting, self.given_up, self.attempts, self.failures, self.delivered):
                family.labels(name)
