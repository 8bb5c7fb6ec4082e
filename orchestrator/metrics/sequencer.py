"""The sequencer's metrics (docs/daemons.md lists every name and label)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from orchestrator.metrics.http import exodus_gauge, label

# building is a state transition and its slots' proofs (milliseconds to seconds); a proof takes seconds
# for the test profile and half a minute for bench (docs/benchmarks/prover.md); a stage waits for blocks,
# proofs and messages on every chain (seconds to an hour)
BUILD_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
PROOF_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
STAGE_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
TX_KINDS = ("transfer", "withdraw")


class SequencerMetrics:
    def __init__(self, stages: Mapping[str, Sequence[str]]) -> None:
        """`stages`: each chain's name and the stages its blocks pass there (series exist from the start)."""
        r = self.registry = CollectorRegistry()
        self.accepted = Counter(
            "rollup_sequencer_transactions_accepted_total",
            "L2 transactions accepted (stored, their hash answered), by kind",
            ["kind"],
            registry=r,
        )
        self.refused = Counter(
            "rollup_sequencer_transactions_refused_total",
            "L2 transactions refused at intake, by the rule that refused them (JSON-RPC data.reason)",
            ["reason"],
            registry=r,
        )
        self.mempool = Gauge(
            "rollup_sequencer_mempool_transactions", "Accepted L2 transactions not in a block yet", registry=r
        )
        self.last_block = Gauge("rollup_sequencer_last_block", "The last L2 block built", registry=r)
        self.build_seconds = Histogram(
            "rollup_sequencer_block_build_seconds", "Time to build a block", registry=r, buckets=BUILD_BUCKETS
        )
        self.proof_seconds = Histogram(
            "rollup_sequencer_proof_seconds",
            "Time a worker took to prove a block",
            registry=r,
            buckets=PROOF_BUCKETS,
        )
        self.proof_queue = Gauge(
            "rollup_sequencer_proof_queue_blocks",
            "Blocks built and not proven yet (no stored proof)",
            registry=r,
        )
        self.stage_latency = Histogram(
            "rollup_sequencer_stage_latency_seconds",
            "Seconds from a block's build to when the sequencer saw the chain's counter pass it (paid: "
            "its last payout there ended)",
            ["chain", "stage"],
            registry=r,
            buckets=STAGE_BUCKETS,
        )
        self.chain_blocks = Gauge(
            "rollup_sequencer_chain_blocks",
            "Each chain's stage counter as last read (the last block committed, proven, ... there)",
            ["chain", "stage"],
            registry=r,
        )
        self.payouts_waiting = Gauge(
            "rollup_sequencer_payouts_waiting",
            "Payouts queued and not ended yet, by chain",
            ["chain"],
            registry=r,
        )
        self.payout_failures = Counter(
            "rollup_sequencer_payout_failures_total",
            "Payout attempts that failed (retried with back-off), by chain",
            ["chain"],
            registry=r,
        )
        self.exodus = exodus_gauge(r, stages)
        for kind in TX_KINDS:
            self.accepted.labels(kind)
        for chain, chain_stages in stages.items():
            self.payouts_waiting.labels(chain)
            self.payout_failures.labels(chain)
            for stage in chain_stages:
                self.stage_latency.labels(chain, stage)

    def refusal(self, code: str) -> None:
        self.refused.labels(label(code)).inc()
