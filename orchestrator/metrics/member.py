"""A data-committee member's metrics (docs/daemons.md lists every name and label)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

REFUSALS = ("invalid_params", "unauthorized")


class MemberMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.signatures = Counter(
            "rollup_dac_signatures_total", "Blocks this member stored and signed for", registry=r
        )
        self.refused = Counter(
            "rollup_dac_store_refused_total",
            "dac_store requests refused with nothing stored or signed, by reason",
            ["reason"],
            registry=r,
        )
        self.served = Counter("rollup_dac_sections_served_total", "Sections served by dac_get", registry=r)
        self.blocks_held = Gauge(
            "rollup_dac_blocks_held", "Block sections this member holds (by data hash)", registry=r
        )
        for reason in REFUSALS:
            self.refused.labels(reason)
