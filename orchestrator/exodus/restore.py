"""Rebuild the L2 state at a block from the primary's commit calldata alone (docs/exodus.md section 5):
no sequencer, no store. Every block's full public data is in the primary's `commitBlocks` calldata
(chaindata.py reads it and checks each block against what the primary stores); replaying it record by
record (orchestrator/l2/replay.py) must give the root the primary stored for the block, so a state that
does not match the chain is refused before any exit is proven against it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from orchestrator.chain.handle import Chain
from orchestrator.errors import RollupError
from orchestrator.exodus.chaindata import Say, committed_blocks, genesis
from orchestrator.l2.params import Profile
from orchestrator.l2.replay import Replay, split_public_data
from orchestrator.l2.state import L2State
from orchestrator.settlement.ledger import StoredBlockInfo


class RestoreError(RollupError):
    """The chain's data does not rebuild the block asked for."""


@dataclass(frozen=True)
class Restored:
    """The state after block `stored.block_number`, that block as the primary stores it, and the work."""

    state: L2State
    stored: StoredBlockInfo
    blocks: int
    records: int
    seconds: float

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else float("inf")


def restore(primary: Chain, profile: Profile, up_to: int, say: Say = lambda _: None) -> Restored:
    """The state after block `up_to` (e.g. the exodus reference block R), checked against the chain."""
    started = time.perf_counter()
    blocks = committed_blocks(primary, profile, up_to, say)
    replay = Replay(profile)
    for block in blocks:
        replay.block(*split_public_data(profile, block.public_data))
    state = replay.state()
    seconds = time.perf_counter() - started
    stored = blocks[-1].stored if blocks else genesis(primary, state.root)
    if state.root.to_bytes(32, "big") != stored.state_root:
        raise RestoreError(
            f"replaying blocks 1..{up_to} gives root {state.root:#x}, "
            f"the primary stores 0x{stored.state_root.hex()}"
        )
    if not blocks and stored.hash() != bytes(primary.rollup.functions.storedBlockHashes(0).call()):
        raise RestoreError("the empty state does not match the primary's genesis block")
    say(f"restored the state at block {up_to}: {replay.records} records replayed in {seconds:.2f} s")
    return Restored(state, stored, up_to, replay.records, seconds)
