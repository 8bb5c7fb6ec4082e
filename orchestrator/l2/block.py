"""Blocks: apply a batch of operations to the state and produce the public data, the commitment and
the circuit's input (docs/protocol.md section 7, circuits/README.md).

`build_block` works on a fork of the state and merges it back only when every slot applied, so a
rejected operation leaves the state exactly as it was (and `commit=False` builds without touching it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from orchestrator.errors import RollupError, TxRejected
from orchestrator.l2.account import Account
from orchestrator.l2.params import (
    BLOCK_NUMBER_BITS,
    DOMAIN_BITS,
    HEADER_BYTES,
    L2_RECORD_BYTES,
    NOOP,
    OP_RECORD_BYTES,
    PUBLIC_INPUT_BITS,
    ROLLUP,
    TIMESTAMP_BITS,
    VALIDIUM,
    Profile,
)
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import Proof
from orchestrator.l2.tx import (
    NOOP_L2_RECORD,
    NOOP_OP_RECORD,
    L2Record,
    OnChainOp,
    OpRecord,
    Transfer,
)

_ZERO_SIG = (0, 0, 0, 0, 0)


class BlockError(RollupError):
    """A block cannot be built as asked (too many operations, bad number, timestamp or domain)."""


class SlotRejected(TxRejected):
    """An operation of a block was rejected; `kind` is "op" or "tx" and `slot` its position in the
    list given to `build_block`, so the caller knows which one to drop. `code` is the state's code."""

    def __init__(self, kind: str, slot: int, cause: TxRejected) -> None:
        super().__init__(cause.code, f"{kind} {slot}: {cause}")
        self.kind = kind
        self.slot = slot


def header_bytes(domain: int, number: int, timestamp: int, old_root: int, new_root: int) -> bytes:
    """domain (32) || block_number (8) || timestamp (8) || old_root (32) || new_root (32)."""
    return (
        domain.to_bytes(32, "big")
        + number.to_bytes(8, "big")
        + timestamp.to_bytes(8, "big")
        + old_root.to_bytes(32, "big")
        + new_root.to_bytes(32, "big")
    )


def l2_section_commitment(l2_section: bytes, mode: str = ROLLUP) -> bytes:
    """The L2-section commitment (protocol.md section 7): what the block commitment covers of the L2
    section, and what the primary receives after the on-chain section. Rollup mode: the section itself,
    N_TX 14-byte records, so the L2 data is on chain. Validium mode: its sha256, the data hash the data
    committee signs. Solidity's `PrimaryRollup._readPublicData` and `_blockCommitment` (and their Validium
    overrides) and circom's `L2SectionCommitment` are its counterparts."""
    return hashlib.sha256(l2_section).digest() if mode == VALIDIUM else l2_section


def commitment_of(header: bytes, public_data: bytes) -> bytes:
    """sha256(header || public_data), `public_data` being the on-chain section and the L2-section
    commitment (`Block.committed_data`)."""
    return hashlib.sha256(header + public_data).digest()


def public_input_of(commitment: bytes) -> int:
    """uint256(commitment) mod 2^253: the proof's only public input."""
    return int.from_bytes(commitment, "big") & ((1 << PUBLIC_INPUT_BITS) - 1)


def split_public_data(public_data: bytes, profile: Profile) -> tuple[list[OpRecord], list[L2Record]]:
    """Decode a block's public data into its on-chain and L2 records."""
    if len(public_data) != profile.public_data_bytes:
        raise BlockError(f"public data of profile {profile.name} is {profile.public_data_bytes} bytes")
    ops_end = profile.n_op * OP_RECORD_BYTES
    ops = [OpRecord.decode(public_data[i : i + OP_RECORD_BYTES]) for i in range(0, ops_end, OP_RECORD_BYTES)]
    l2 = [
        L2Record.decode(public_data[i : i + L2_RECORD_BYTES])
        for i in range(ops_end, len(public_data), L2_RECORD_BYTES)
    ]
    return ops, l2


@dataclass(frozen=True)
class OpSlot:
    """One on-chain slot: its record and the circuit witness (leaf and path before the slot)."""

    record: OpRecord
    leaf: Account
    path: Proof
    sig: tuple[int, int, int, int, int] = _ZERO_SIG


@dataclass(frozen=True)
class TxSlot:
    """One L2 slot: its record, the sender before it, the receiver after the sender's update."""

    record: L2Record
    from_leaf: Account
    from_path: Proof
    to_leaf: Account
    to_path: Proof
    sig: tuple[int, int, int, int, int] = _ZERO_SIG


@dataclass(frozen=True)
class Block:
    """A built block. `ops` and `transfers` are the operations as given (without padding)."""

    profile: Profile
    number: int
    timestamp: int
    domain: int
    old_root: int
    new_root: int
    ops: tuple[OnChainOp, ...]
    transfers: tuple[Transfer, ...]
    op_slots: tuple[OpSlot, ...] = field(repr=False)
    tx_slots: tuple[TxSlot, ...] = field(repr=False)

    @property
    def op_records(self) -> list[OpRecord]:
        return [s.record for s in self.op_slots]

    @property
    def l2_records(self) -> list[L2Record]:
        return [s.record for s in self.tx_slots]

    @cached_property
    def header(self) -> bytes:
        return header_bytes(self.domain, self.number, self.timestamp, self.old_root, self.new_root)

    @cached_property
    def onchain_section(self) -> bytes:
        """The N_OP 64-byte on-chain records."""
        return b"".join(r.encode() for r in self.op_records)

    @cached_property
    def l2_section(self) -> bytes:
        """The N_TX 14-byte L2 records."""
        return b"".join(r.encode() for r in self.l2_records)

    @cached_property
    def public_data(self) -> bytes:
        """Both sections, as the protocol lays them out (section 7)."""
        return self.onchain_section + self.l2_section

    @cached_property
    def committed_data(self) -> bytes:
        """What the commitment hashes after the header, and what the primary's commit takes: the on-chain
        section and the L2-section commitment (in rollup mode, `public_data` itself; in Validium mode the
        commit also carries the committee's signatures after it)."""
        return self.onchain_section + l2_section_commitment(self.l2_section, self.profile.mode)

    @cached_property
    def commitment(self) -> bytes:
        return commitment_of(self.header, self.committed_data)

    @property
    def public_input(self) -> int:
        return public_input_of(self.commitment)

    def chain_records(self, chain: int) -> list[OpRecord]:
        """The on-chain records that concern rollup chain `chain` (what a secondary commits)."""
        return [r for r in self.op_records if r.type != NOOP and r.chain == chain]

    def circuit_input(self) -> dict[str, Any]:
        """The block circuit's input JSON (circuits/README.md): every value a decimal string."""

        def dec(values: Sequence[int]) -> list[str]:
            return [str(v) for v in values]

        def path(p: Proof) -> list[list[str]]:
            return [dec(level) for level in p]

        ops, txs = self.op_slots, self.tx_slots
        return {
            "domain": str(self.domain),
            "block_number": str(self.number),
            "timestamp": str(self.timestamp),
            "old_root": str(self.old_root),
            "op_type": [str(s.record.type) for s in ops],
            "op_chain": [str(s.record.chain) for s in ops],
            "op_account": [str(s.record.account) for s in ops],
            "op_token": [str(s.record.token) for s in ops],
            "op_amount": [str(s.record.amount) for s in ops],
            "op_address": [str(s.record.address) for s in ops],
            "op_pkh": [str(s.record.pkh) for s in ops],
            "op_leaf": [dec(s.leaf.fields()) for s in ops],
            "op_path": [path(s.path) for s in ops],
            "op_sig": [dec(s.sig) for s in ops],
            "tx_type": [str(s.record.type) for s in txs],
            "tx_from": [str(s.record.from_index) for s in txs],
            "tx_to": [str(s.record.to_index) for s in txs],
            "tx_amount_packed": [str(s.record.packed_amount) for s in txs],
            "tx_from_leaf": [dec(s.from_leaf.fields()) for s in txs],
            "tx_from_path": [path(s.from_path) for s in txs],
            "tx_to_leaf": [dec(s.to_leaf.fields()) for s in txs],
            "tx_to_path": [path(s.to_path) for s in txs],
            "tx_sig": [dec(s.sig) for s in txs],
        }


def _check_header_args(number: int, timestamp: int, domain: int) -> None:
    for value, bits, what in (
        (number, BLOCK_NUMBER_BITS, "block number"),
        (timestamp, TIMESTAMP_BITS, "timestamp"),
        (domain, DOMAIN_BITS, "domain"),
    ):
        if type(value) is not int or not 0 <= value < 1 << bits:
            raise BlockError(f"{what} must be an int in [0, 2^{bits}), got {value!r}")
    if number == 0:
        raise BlockError("block 0 is genesis; built blocks are numbered from 1")


def _op_slot(state: L2State, op: OnChainOp, domain: int, verified: bool) -> OpSlot:
    index = state.op_account_index(op)
    leaf, path = state.account(index), state.proof(index)
    record = state.apply_op(op, domain, index, signature_verified=verified)
    a_x, a_y, r_x, r_y, s = op.signature_fields()  # zero for a priority request
    return OpSlot(record, leaf, path, (a_x, a_y, r_x, r_y, s))


def _tx_slot(state: L2State, tx: Transfer, domain: int, verified: bool) -> TxSlot:
    state.check_transfer(tx, domain, signature_verified=verified)  # before the proofs are read
    from_leaf, from_path = state.account(tx.from_index), state.proof(tx.from_index)
    to_leaf = state.account(tx.to_index)
    record = state.apply_transfer(tx, domain, signature_verified=True)  # checked just above
    # The receiver's path after both updates equals its path after the sender's alone: a leaf's own
    # update changes only nodes on its path, never the siblings its proof is made of.
    to_path = state.proof(tx.to_index)
    a_x, a_y, r_x, r_y, s = tx.signature_fields()
    return TxSlot(record, from_leaf, from_path, to_leaf, to_path, (a_x, a_y, r_x, r_y, s))


def build_block(
    state: L2State,
    *,
    number: int,
    timestamp: int,
    domain: int,
    ops: Sequence[OnChainOp] = (),
    transfers: Sequence[Transfer] = (),
    commit: bool = True,
    signatures_verified: bool = False,
) -> Block:
    """Apply `ops` (on-chain slots, in order) then `transfers` (L2 slots) and pad with Noops.
    `signatures_verified` skips the EdDSA checks, for a caller that verified every signature already
    (the sequencer's mempool did, at intake); everything else is checked all the same.

    On success the state moves to the block's new root if `commit`, else stays as it was. On any
    rejected operation raises `SlotRejected` (a `TxRejected`) naming it, and the state is unchanged.
    Raises `BlockError` for more operations than the profile has slots or bad header values.
    """
    profile = state.profile
    _check_header_args(number, timestamp, domain)
    if len(ops) > profile.n_op:
        raise BlockError(f"{len(ops)} on-chain operations, profile {profile.name} has {profile.n_op} slots")
    if len(transfers) > profile.n_tx:
        raise BlockError(f"{len(transfers)} transfers, profile {profile.name} has {profile.n_tx} slots")

    work = state.fork()
    old_root = work.root
    op_slots: list[OpSlot] = []
    for i, op in enumerate(ops):
        try:
            op_slots.append(_op_slot(work, op, domain, signatures_verified))
        except TxRejected as exc:
            raise SlotRejected("op", i, exc) from exc
    while len(op_slots) < profile.n_op:
        op_slots.append(OpSlot(NOOP_OP_RECORD, work.account(0), work.proof(0)))

    tx_slots: list[TxSlot] = []
    for i, tx in enumerate(transfers):
        try:
            tx_slots.append(_tx_slot(work, tx, domain, signatures_verified))
        except TxRejected as exc:
            raise SlotRejected("tx", i, exc) from exc
    while len(tx_slots) < profile.n_tx:
        leaf, path = work.account(0), work.proof(0)
        tx_slots.append(TxSlot(NOOP_L2_RECORD, leaf, path, leaf, path))

    new_root = work.root
    if commit:
        work.merge()
    block = Block(
        profile,
        number,
        timestamp,
        domain,
        old_root,
        new_root,
        tuple(ops),
        tuple(transfers),
        tuple(op_slots),
        tuple(tx_slots),
    )
    assert len(block.header) == HEADER_BYTES and len(block.public_data) == profile.public_data_bytes
    return block
