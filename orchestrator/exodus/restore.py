"""Rebuild the L2 state at a block from the primary's commit calldata alone (docs/exodus.md section 5):
no sequencer, no store. The primary's `BlockCommitted` events name the transactions; each
`commitBlocks` call carries every block's full public data, replayed record by record
(orchestrator/l2/replay.py). The block's stored record on chain (`storedBlockHashes`) authenticates the
result: the restored block's StoredBlockInfo, rebuilt from calldata and events, must hash to it, so a
root that does not match the chain is refused before any exit is proven against it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from orchestrator.chain.handle import Chain
from orchestrator.chain.logscan import MAX_RANGE
from orchestrator.errors import RollupError
from orchestrator.l2.chainhash import chain_records, op_hash
from orchestrator.l2.ops import is_priority
from orchestrator.l2.params import Profile
from orchestrator.l2.replay import Replay, split_public_data
from orchestrator.l2.state import L2State
from orchestrator.settlement.ledger import StoredBlockInfo


class RestoreError(RollupError):
    """The chain's data does not rebuild the block asked for."""


@dataclass(frozen=True)
class Restored:
    """The state at `stored.block_number`, that block as the primary stores it, and what it took."""

    state: L2State
    stored: StoredBlockInfo
    blocks: int
    records: int
    seconds: float

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class _Committed:
    number: int
    timestamp: int
    root: bytes
    public_data: bytes
    commitment: bytes
    sync_hash: bytes


def _committed_blocks(primary: Chain, up_to: int, say: Callable[[str], None]) -> dict[int, _Committed]:
    """Every block committed on the primary up to `up_to`, the last commit of each number winning (a
    reverted block may be committed again)."""
    event = primary.rollup.events.BlockCommitted
    head, start = int(primary.w3.eth.block_number), primary.deploy_block
    found: dict[int, _Committed] = {}
    calls: dict[bytes, Any] = {}
    for first in range(start, head + 1, MAX_RANGE):
        logs = event().get_logs(from_block=first, to_block=min(head, first + MAX_RANGE - 1))
        for log in logs:
            number = int(log["args"]["blockNumber"])
            if number > up_to:
                continue
            tx_hash = bytes(log["transactionHash"])
            if tx_hash not in calls:
                tx = primary.w3.eth.get_transaction(log["transactionHash"])
                _, args = primary.rollup.contract.decode_function_input(tx["input"])
                calls[tx_hash] = {int(b["blockNumber"]): b for b in args["blocks"]}
            block = calls[tx_hash][number]
            found[number] = _Committed(
                number,
                int(block["timestamp"]),
                bytes(block["newStateRoot"]),
                bytes(block["publicData"]),
                bytes(log["args"]["commitment"]),
                bytes(log["args"]["syncHashesHash"]),
            )
        if found:
            say(f"read commits up to L1 block {min(head, first + MAX_RANGE - 1)}: {len(found)} blocks")
    missing = [n for n in range(1, up_to + 1) if n not in found]
    if missing:
        raise RestoreError(f"the primary's logs lack commits of blocks {missing[:5]}")
    return found


def restore(
    primary: Chain, profile: Profile, up_to: int, say: Callable[[str], None] = lambda _: None
) -> Restored:
    """The state after block `up_to` (e.g. the exodus reference block R), checked against the chain."""
    started = time.perf_counter()
    blocks = _committed_blocks(primary, up_to, say)
    replay = Replay(profile)
    own = primary.id
    priority_ops, ops_hash = 0, bytes(32)
    for n in range(1, up_to + 1):
        ops, l2 = split_public_data(profile, blocks[n].public_data)
        replay.block(ops, l2)
        if n == up_to:
            mine = chain_records(ops, own)
            priority_ops = sum(1 for r in mine if is_priority(r[0]))
            ops_hash = op_hash(ops, own)
    state = replay.state()
    seconds = time.perf_counter() - started
    stored = _stored_info(primary, profile, blocks, up_to, state.root, priority_ops, ops_hash)
    return Restored(state, stored, up_to, replay.records, seconds)


def _stored_info(
    primary: Chain,
    profile: Profile,
    blocks: dict[int, _Committed],
    n: int,
    root: int,
    priority_ops: int,
    ops_hash: bytes,
) -> StoredBlockInfo:
    on_chain = bytes(primary.rollup.functions.storedBlockHashes(n).call())
    if n == 0:
        genesis = StoredBlockInfo(
            0, 0, root.to_bytes(32, "big"), bytes(32), bytes(32), _genesis_sync(primary), 0, 0
        )
        if genesis.hash() != on_chain:
            raise RestoreError("block 0 does not match the primary's genesis")
        return genesis
    block = blocks[n]
    if block.root != root.to_bytes(32, "big"):
        raise RestoreError(
            f"replaying blocks 1..{n} gives root {root:#x}, block {n} committed {block.root.hex()}"
        )
    info = StoredBlockInfo(
        n, block.timestamp, block.root, block.commitment, ops_hash, block.sync_hash, priority_ops, n - 1
    )
    if info.hash() != on_chain:
        raise RestoreError(f"block {n} as restored does not hash to what the primary stores")
    return info


def _genesis_sync(primary: Chain) -> bytes:
    count = int(primary.rollup.functions.chainCount().call())
    return keccak(bytes(32 * count))
