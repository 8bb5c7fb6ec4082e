"""What each chain committed, read from L1 alone (events and calldata), as the contracts store it: every
block's StoredBlockInfo and this chain's own records. Exodus needs it without the sequencer: to replay
the primary's public data (restore.py) and to execute the decided blocks on every chain (finish).

A block committed again after a revert is read from its last commit. Nothing here is taken on trust:
the last block read is checked against the chain's `storedBlockHashes` (one call, not one per block:
restore was spending most of its time there), a replayed state must reach that block's stored root,
and `executeBlocks` checks every block it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from orchestrator.chain.handle import Chain
from orchestrator.chain.logscan import MAX_RANGE
from orchestrator.errors import RollupError
from orchestrator.l2.chainhash import chain_records, op_hash
from orchestrator.l2.ops import is_priority
from orchestrator.l2.params import Profile
from orchestrator.l2.replay import onchain_records
from orchestrator.settlement.ledger import StoredBlockInfo

Say = Callable[[str], None]


class ChainDataError(RollupError):
    """A chain's logs and calldata do not rebuild what it stores."""


@dataclass(frozen=True)
class CommittedBlock:
    """One block as a chain committed it: its stored record, its own records and (primary) public data."""

    stored: StoredBlockInfo
    records: bytes  # this chain's on-chain records, 64 bytes each, in order
    public_data: bytes  # what the primary's commit carried (Validium: records, data hash, signatures)


def _logs(chain: Chain, event: Any) -> Iterator[Any]:
    head = int(chain.w3.eth.block_number)
    for first in range(chain.deploy_block, head + 1, MAX_RANGE):
        yield from event().get_logs(from_block=first, to_block=min(head, first + MAX_RANGE - 1))


def _calls(chain: Chain) -> Callable[[Any], dict[int, Any]]:
    """The `commitBlocks` arguments of the transaction of a log, by block number (read once per tx)."""
    cache: dict[bytes, dict[int, Any]] = {}

    def blocks_of(log: Any) -> dict[int, Any]:
        tx_hash = bytes(log["transactionHash"])
        if tx_hash not in cache:
            tx = chain.w3.eth.get_transaction(log["transactionHash"])
            _, args = chain.rollup.contract.decode_function_input(tx["input"])
            cache[tx_hash] = {int(b["blockNumber"]): b for b in args["blocks"]}
        return cache[tx_hash]

    return blocks_of


def committed_blocks(
    chain: Chain, profile: Profile, up_to: int, say: Say = lambda _: None
) -> list[CommittedBlock]:
    """Every block `chain` holds committed up to block `up_to`, in order, each checked against the chain."""
    if chain.rollup.primary:
        blocks = _primary_blocks(chain, profile, up_to)
    else:
        blocks = _secondary_blocks(chain, up_to)
    say(f"{chain.name}: {len(blocks)} committed block(s) up to block {up_to} read from L1")
    if blocks:  # the last one; every other is checked where it is used (a replayed root, an execution)
        last = blocks[-1].stored
        if last.hash() != bytes(chain.rollup.functions.storedBlockHashes(last.block_number).call()):
            raise ChainDataError(
                f"{chain.name}: block {last.block_number} as rebuilt from L1 data is not what it stores"
            )
    return blocks


def _primary_blocks(chain: Chain, profile: Profile, up_to: int) -> list[CommittedBlock]:
    blocks_of, own = _calls(chain), chain.id
    latest: dict[int, tuple[Any, Any]] = {}
    for log in _logs(chain, chain.rollup.events.BlockCommitted):
        number = int(log["args"]["blockNumber"])
        if number <= up_to:
            latest[number] = (log, blocks_of(log)[number])
    missing = [n for n in range(1, up_to + 1) if n not in latest]
    if missing:
        raise ChainDataError(f"{chain.name}: the logs lack commits of blocks {missing[:5]}")
    out = []
    for n in range(1, up_to + 1):
        log, block = latest[n]
        public_data = bytes(block["publicData"])
        ops = onchain_records(profile, public_data)
        mine = chain_records(ops, own)
        stored = StoredBlockInfo(
            n,
            int(block["timestamp"]),
            bytes(block["newStateRoot"]),
            bytes(log["args"]["commitment"]),
            op_hash(ops, own),
            bytes(log["args"]["syncHashesHash"]),
            sum(1 for r in mine if is_priority(r[0])),
            n - 1,
        )
        out.append(CommittedBlock(stored, b"".join(mine), public_data))
    return out


def _secondary_blocks(chain: Chain, up_to: int) -> list[CommittedBlock]:
    """A secondary commits only blocks with its records; a block's previous block is the one before it
    in the chain's own sequence. A later commit of a lower number means the blocks above were reverted.
    That reading is exact at or below the synchronized block (never reverted), the only part exodus
    reads; the hash check catches anything else."""
    blocks_of = _calls(chain)
    chain_of: dict[int, CommittedBlock] = {}
    for log in _logs(chain, chain.rollup.events.SecondaryBlockCommitted):
        number = int(log["args"]["blockNumber"])
        block = blocks_of(log)[number]
        records = bytes(block["records"])
        earlier = [n for n in chain_of if n < number]
        for later in [n for n in chain_of if n > number]:
            del chain_of[later]  # reverted and replaced
        priority = sum(1 for i in range(0, len(records), 64) if is_priority(records[i]))
        stored = StoredBlockInfo(
            number,
            int(block["timestamp"]),
            bytes(block["newStateRoot"]),
            bytes(32),
            bytes(log["args"]["opsHash"]),
            bytes(log["args"]["syncHash"]),
            priority,
            max(earlier, default=0),
        )
        chain_of[number] = CommittedBlock(stored, records, b"")
    return [chain_of[n] for n in sorted(chain_of) if n <= up_to]


def genesis(chain: Chain, root: int) -> StoredBlockInfo:
    """Block 0 as `chain` stores it (the primary's sync field hashes every chain's zero S_c)."""
    sync = bytes(32)
    if chain.rollup.primary:
        sync = keccak(bytes(32 * int(chain.rollup.functions.chainCount().call())))
    return StoredBlockInfo(0, 0, root.to_bytes(32, "big"), bytes(32), bytes(32), sync, 0, 0)
