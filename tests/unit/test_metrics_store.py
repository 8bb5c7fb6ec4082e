"""What the daemons' gauges and latencies read from their stores: the stage marks a round stored for the
first time (a restart sees every block pass again, and must not observe its latency twice), when blocks
were built, the blocks without a proof, payouts waiting per chain, messages waiting and given up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.messaging.attest import Message
from orchestrator.relayer.store import GAVE_UP, MAX_ATTEMPTS, WAITING, RelayerStore
from orchestrator.store.sequencer import SequencerStore, StoredBlock

BODY: dict[str, Any] = {"ops": [], "transfers": []}


def test_the_sequencer_store_counts_for_the_metrics(tmp_path: Path) -> None:
    store = SequencerStore(tmp_path / "sequencer.db")
    try:
        for n in (1, 2, 3):
            store.add_block(StoredBlock(n, 1700000000 + n, BODY, n, 1000.0 + n, 0.01), [], [])
        assert store.unproven() == 3
        store.save_proof(2, {"hex": "00"}, 6.0)
        assert store.unproven() == 2
        assert store.built_times([3, 1, 3]) == {1: 1001.0, 3: 1003.0} and store.built_times([]) == {}

        first = store.mark_stages([(1, 1, "committed"), (2, 1, "committed")], at=2000.0)
        assert first == [(1, 1, "committed"), (2, 1, "committed")]
        again = store.mark_stages([(1, 1, "committed"), (2, 1, "committed"), (3, 1, "committed")], 2100.0)
        assert again == [(3, 1, "committed")]  # a restart's second look at blocks 1 and 2 is not new
        assert store.stage_marks(1) == {(1, 1, "committed"): 2000.0}

        owners = [("0x" + "11" * 20, 0), ("0x" + "22" * 20, 1)]
        store.payouts.queue(2, {1: owners, 2: owners[:1]}, 2)
        store.payouts.queue(3, {1: owners[:1]}, 1)
        assert store.payouts.waiting_counts() == {2: 3, 3: 1}
        store.payouts.ended(store.payouts.waiting()[0], "paid", "0xab")
        assert sum(store.payouts.waiting_counts().values()) == 3
    finally:
        store.close()


def test_the_relayer_store_counts_waiting_and_given_up_by_destination(tmp_path: Path) -> None:
    store = RelayerStore(tmp_path / "relayer.db")
    try:
        messages = [
            Message(2, dest, nonce, "0x" + "11" * 20, "0x" + "22" * 20, b"m")
            for dest, nonce in ((1, 0), (1, 1), (3, 2))
        ]
        store.add_messages([(m, 10) for m in messages])
        store.delivered(messages[0], "0x01")
        for _ in range(MAX_ATTEMPTS):
            store.failed_attempt(messages[2], "reverted")
        assert store.counts() == {(WAITING, 1): 1, (GAVE_UP, 3): 1}
    finally:
        store.close()
