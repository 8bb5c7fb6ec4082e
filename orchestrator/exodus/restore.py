"""Rebuild the L2 state at a block from the primary's commit calldata alone (docs/exodus.md section 5):
no sequencer, no store. Every block's full public data is in the primary's `commitBlocks` calldata
(chaindata.py reads it and checks each block against what the primary stores); replaying it record by
record (orchestrator/l2/replay.py) must give the root the primary stored for the block, so a state that
does not match the chain is refused before any exit is proven against it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.chain.handle import Chain
from orchestrator.dac.client import DataUnavailable
from orchestrator.errors import RollupError
from orchestrator.exodus.chaindata import CommittedBlock, Say, committed_blocks, genesis
from orchestrator.l2.params import OP_RECORD_BYTES, Profile
from orchestrator.l2.replay import Replay, data_hash_of, l2_records, onchain_records
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


Sections = Callable[[bytes], bytes]
"""Validium: the L2 section whose sha256 is the given data hash (CommitteeClient.fetch), or
`DataUnavailable`."""


def restore(
    primary: Chain, profile: Profile, up_to: int, say: Say = lambda _: None, sections: Sections | None = None
) -> Restored:
    """The state after block `up_to` (e.g. the exodus reference block R), checked against the chain. In
    Validium mode each block's L2 section comes from `sections` (the data committee), checked against the
    data hash the primary committed."""
    started = time.perf_counter()
    blocks = committed_blocks(primary, profile, up_to, say)
    replay = Replay(profile)
    l2 = _l2_sections(profile, blocks, sections, say)
    for block, l2_section in zip(blocks, l2, strict=True):
        replay.block(onchain_records(profile, block.public_data), l2_records(profile, l2_section))
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


def _l2_sections(
    profile: Profile, blocks: list[CommittedBlock], sections: Sections | None, say: Say
) -> list[bytes]:
    """Each block's L2 section: from the calldata in rollup mode; in Validium mode from the committee, every
    block asked before any is replayed, so a failure names every block whose data is missing."""
    start = profile.n_op * OP_RECORD_BYTES
    if not profile.validium:
        return [b.public_data[start:] for b in blocks]
    if sections is None:
        raise RestoreError("a Validium deployment's L2 data is off chain: restore needs its data committee")
    found: list[bytes] = []
    missing: dict[int, str] = {}
    for block in blocks:
        try:
            found.append(sections(data_hash_of(profile, block.public_data)))
        except DataUnavailable as exc:
            missing[block.stored.block_number] = str(exc)
    if missing:
        numbers = ", ".join(str(n) for n in missing)
        first = next(iter(missing.values()))
        raise DataUnavailable(
            f"data unavailable: no committee member served the L2 data of block(s) {numbers} "
            f"(first: {first}); the state cannot be rebuilt past block {min(missing) - 1}"
        )
    say(
        f"fetched the L2 data of {len(found)} block(s) from the data committee, each checked against its hash"
    )
    return found
