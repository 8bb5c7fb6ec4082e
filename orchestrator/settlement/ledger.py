"""The off-chain mirror of what every chain's rollup contract stores for each block (docs/settlement.md).

Contracts keep each committed block as `keccak256(abi.encode(StoredBlockInfo))` and want the struct back
with every later call. The `SettlementLedger` derives those structs from the model's blocks exactly as the
contracts do (the primary from the full public data, each secondary from its own records only), so the
stage calls can be built without reading events, and a test can compare both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from orchestrator.errors import RollupError
from orchestrator.l2.block import Block
from orchestrator.l2.chainhash import ZERO_HASH, next_sync_hash, op_hash
from orchestrator.l2.ops import is_priority

STORED_BLOCK_INFO = "(uint64,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)"


class LedgerError(RollupError):
    """A stage asked for a block the ledger does not hold, or out of order."""


@dataclass(frozen=True)
class StoredBlockInfo:
    """`IRollup.StoredBlockInfo`: one committed block as one chain stores it."""

    block_number: int
    timestamp: int
    state_root: bytes
    commitment: bytes  # zero on secondaries
    ops_hash: bytes  # h_c of this chain's records
    sync_hash: bytes  # secondary: S_c; primary: keccak256 of every chain's S_c
    priority_ops: int
    previous_block: int

    def as_tuple(self) -> tuple[int, int, bytes, bytes, bytes, bytes, int, int]:
        return (
            self.block_number,
            self.timestamp,
            self.state_root,
            self.commitment,
            self.ops_hash,
            self.sync_hash,
            self.priority_ops,
            self.previous_block,
        )

    def hash(self) -> bytes:
        """What the contract stores in `storedBlockHashes[blockNumber]`."""
        return keccak(encode([STORED_BLOCK_INFO], [self.as_tuple()]))


def sync_hashes_hash(sync_hashes: Sequence[bytes]) -> bytes:
    """The primary's `syncHash` field: keccak256 over every chain's S_c, chain 1 first."""
    return keccak(b"".join(sync_hashes))


@dataclass
class _ChainBlocks:
    """One chain's committed blocks, oldest first (a secondary holds only blocks with its operations)."""

    blocks: list[StoredBlockInfo]
    records: dict[int, bytes] = field(default_factory=dict)  # block number -> own records

    @property
    def last(self) -> StoredBlockInfo:
        return self.blocks[-1]

    def get(self, number: int) -> StoredBlockInfo:
        for info in reversed(self.blocks):
            if info.block_number == number:
                return info
        raise LedgerError(f"block {number} is not committed on this chain")

    def last_at_or_below(self, number: int) -> StoredBlockInfo:
        for info in reversed(self.blocks):
            if info.block_number <= number:
                return info
        raise LedgerError(f"no block at or below {number}")  # pragma: no cover - genesis is always there


class SettlementLedger:
    """Per-chain StoredBlockInfo of every committed block, derived as the contracts derive them."""

    def __init__(self, primary_chain: int, chains: Iterable[int], genesis_root: int) -> None:
        self.primary_chain = primary_chain
        self.chains = sorted(set(chains))
        if self.chains != list(range(1, len(self.chains) + 1)) or primary_chain not in self.chains:
            raise LedgerError(f"rollup chain ids must be 1..K with the primary among them, got {self.chains}")
        root = genesis_root.to_bytes(32, "big")
        zero_sync = [ZERO_HASH] * len(self.chains)
        genesis_primary = StoredBlockInfo(0, 0, root, ZERO_HASH, ZERO_HASH, sync_hashes_hash(zero_sync), 0, 0)
        genesis_secondary = StoredBlockInfo(0, 0, root, ZERO_HASH, ZERO_HASH, ZERO_HASH, 0, 0)
        self._chain = {
            c: _ChainBlocks([genesis_primary if c == primary_chain else genesis_secondary])
            for c in self.chains
        }
        self._sync: dict[int, list[bytes]] = {0: zero_sync}  # primary block -> every chain's S_c
        self._blocks: dict[int, Block] = {}
        self._availability: dict[int, bytes] = {}  # Validium: block -> the committee's signatures

    @property
    def secondaries(self) -> list[int]:
        return [c for c in self.chains if c != self.primary_chain]

    @property
    def last_block(self) -> int:
        return self._chain[self.primary_chain].last.block_number

    def block(self, number: int) -> Block:
        try:
            return self._blocks[number]
        except KeyError:
            raise LedgerError(f"block {number} is not in the ledger") from None

    # -- adding blocks ---------------------------------------------------------------------------------

    def add(self, block: Block) -> None:
        """Record `block` (the next one) as committed on every chain that takes it."""
        if block.number != self.last_block + 1:
            raise LedgerError(f"expected block {self.last_block + 1}, got {block.number}")
        records = block.op_records
        previous_sync = self._sync[block.number - 1]
        sync = [
            next_sync_hash(previous_sync[c - 1], block.number, block.new_root, records, c)
            for c in self.chains
        ]
        for c in self.chains:
            own_records = block.chain_records(c)
            if c != self.primary_chain and not own_records:
                continue
            own = b"".join(r.encode() for r in own_records)
            chain = self._chain[c]
            priority = sum(1 for r in own_records if is_priority(r.type))
            is_primary = c == self.primary_chain
            chain.blocks.append(
                StoredBlockInfo(
                    block.number,
                    block.timestamp,
                    block.new_root.to_bytes(32, "big"),
                    block.commitment if is_primary else ZERO_HASH,
                    op_hash(records, c),
                    sync_hashes_hash(sync) if is_primary else sync[c - 1],
                    priority,
                    chain.last.block_number,
                )
            )
            chain.records[block.number] = own
        self._sync[block.number] = sync
        self._blocks[block.number] = block

    def revert_to(self, chain: int, number: int) -> list[StoredBlockInfo]:
        """Forget `chain`'s blocks above `number`; return them newest first (the revertBlocks argument)."""
        blocks = self._chain[chain].blocks
        dropped = [info for info in reversed(blocks) if info.block_number > number]
        del blocks[len(blocks) - len(dropped) :]
        if chain == self.primary_chain:
            for n in [n for n in self._sync if n > number]:
                del self._sync[n], self._blocks[n]
                self._availability.pop(n, None)  # signed for data a rebuilt block may not have
        return dropped

    def set_availability(self, number: int, signatures: bytes) -> None:
        """Validium: the data committee's signatures for block `number` (docs/protocol.md section 7)."""
        self.block(number)
        self._availability[number] = signatures

    # -- reading ---------------------------------------------------------------------------------------

    def commit_data(self, number: int) -> bytes | None:
        """What the primary's commit carries for block `number`: its public data in rollup mode; in Validium
        mode its committed data and the committee's signatures, None until they are gathered."""
        block = self.block(number)
        if not block.profile.validium:
            return block.public_data
        signatures = self._availability.get(number)
        return None if signatures is None else block.committed_data + signatures

    def committable_up_to(self, after: int) -> int:
        """The last block the primary can commit after `after`: every block up to it has its commit data
        (all of them in rollup mode; in Validium mode those the committee has signed, in order)."""
        last = after
        while last < self.last_block and self.commit_data(last + 1) is not None:
            last += 1
        return last

    def stored(self, chain: int, number: int) -> StoredBlockInfo:
        return self._chain[chain].get(number)

    def last_stored(self, chain: int) -> StoredBlockInfo:
        return self._chain[chain].last

    def blocks_of(self, chain: int, after: int, up_to: int | None = None) -> list[StoredBlockInfo]:
        """`chain`'s blocks with `after < number <= up_to`, oldest first."""
        return [
            i
            for i in self._chain[chain].blocks[1:]
            if i.block_number > after and (up_to is None or i.block_number <= up_to)
        ]

    def records(self, chain: int, number: int) -> bytes:
        """`chain`'s own on-chain records in block `number` (what it commits and executes)."""
        return self._chain[chain].records.get(number, b"")

    def sync_hashes(self, number: int) -> list[bytes]:
        """Every chain's S_c after block `number` (index c - 1)."""
        try:
            return self._sync[number]
        except KeyError:
            raise LedgerError(f"block {number} is not in the ledger") from None

    def report_block(self, chain: int, number: int) -> int:
        """The block whose sync report from `chain` vouches for block `number`: its last block <= number."""
        return self._chain[chain].last_at_or_below(number).block_number
