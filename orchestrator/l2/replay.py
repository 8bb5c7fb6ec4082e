"""The L2 state from public data alone (docs/exodus.md section 5): every block's on-chain and L2 records,
replayed in order, without signatures, a sequencer or its store. The records are what the primary
committed and the proofs checked, so replay trusts them and only refuses bytes that cannot be a block
of this profile; the caller compares the final root with the root stored on chain.

Per record (docs/protocol.md section 6): a Deposit credits its account (creating the leaf); a Withdraw
debits it and bumps its nonce; a FullExit empties it (its amount is what left); a Transfer debits the
sender, bumps its nonce and credits the receiver.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from orchestrator.errors import RollupError
from orchestrator.l2.account import EMPTY, Account
from orchestrator.l2.amounts import unpack_amount
from orchestrator.l2.ops import DEPOSIT, FULL_EXIT, NOOP, TRANSFER, WITHDRAW
from orchestrator.l2.params import DATA_HASH_BYTES, L2_RECORD_BYTES, OP_RECORD_BYTES, Profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import L2Record, OpRecord


class ReplayError(RollupError):
    """Public data that no valid block could hold (a debit beyond a balance, a leaf of another owner)."""


def onchain_records(profile: Profile, committed: bytes) -> list[OpRecord]:
    """The N_OP on-chain records at the start of what a primary commit carries, in either mode."""
    op_bytes = profile.n_op * OP_RECORD_BYTES
    if len(committed) < op_bytes:
        raise ReplayError(
            f"a commit of {len(committed)} bytes; profile {profile.name} has {op_bytes} of records"
        )
    return [OpRecord.decode(committed[i : i + OP_RECORD_BYTES]) for i in range(0, op_bytes, OP_RECORD_BYTES)]


def data_hash_of(profile: Profile, committed: bytes) -> bytes:
    """Validium: the data hash (sha256 of the L2 section) a primary commit carries after its records."""
    start = profile.n_op * OP_RECORD_BYTES
    if len(committed) < start + DATA_HASH_BYTES:
        raise ReplayError(f"a Validium commit of {len(committed)} bytes has no data hash")
    return committed[start : start + DATA_HASH_BYTES]


def l2_records(profile: Profile, l2_section: bytes) -> list[L2Record]:
    """An L2 section's N_TX records."""
    tx_bytes = profile.n_tx * L2_RECORD_BYTES
    if len(l2_section) != tx_bytes:
        raise ReplayError(f"an L2 section of {len(l2_section)} bytes; profile {profile.name} has {tx_bytes}")
    return [L2Record.decode(l2_section[i : i + L2_RECORD_BYTES]) for i in range(0, tx_bytes, L2_RECORD_BYTES)]


def split_public_data(profile: Profile, public_data: bytes) -> tuple[list[OpRecord], list[L2Record]]:
    """A rollup-mode block's public data: N_OP on-chain records, then N_TX L2 records."""
    op_bytes, tx_bytes = profile.n_op * OP_RECORD_BYTES, profile.n_tx * L2_RECORD_BYTES
    if len(public_data) != op_bytes + tx_bytes:
        raise ReplayError(
            f"public data of {len(public_data)} bytes; profile {profile.name} has {op_bytes + tx_bytes}"
        )
    ops = [OpRecord.decode(public_data[i : i + OP_RECORD_BYTES]) for i in range(0, op_bytes, OP_RECORD_BYTES)]
    l2_section = public_data[op_bytes:]
    l2 = [L2Record.decode(l2_section[i : i + L2_RECORD_BYTES]) for i in range(0, tx_bytes, L2_RECORD_BYTES)]
    return ops, l2


@dataclass
class Replay:
    """Accounts and per-chain vaults, advanced record by record; `state()` builds the tree once."""

    profile: Profile
    accounts: dict[int, Account] = field(default_factory=dict)
    vault: dict[tuple[int, int], int] = field(default_factory=dict)
    blocks: int = 0
    records: int = 0

    def block(self, ops: Iterable[OpRecord], l2: Iterable[L2Record]) -> None:
        for op in ops:
            self._onchain(op)
        for tx in l2:
            self._l2(tx)
        self.blocks += 1

    def state(self) -> L2State:
        accounts = self.accounts.items()
        return L2State.from_accounts(self.profile, accounts, vault=self.vault, check_liquidity=False)

    def _get(self, index: int) -> Account:
        if not 0 <= index < self.profile.capacity:
            raise ReplayError(f"account index {index} is outside a tree of depth {self.profile.depth}")
        return self.accounts.get(index, EMPTY)

    def _move_vault(self, chain: int, token: int, amount: int) -> None:
        self.vault[(chain, token)] = self.vault.get((chain, token), 0) + amount

    def _debit(self, index: int, amount: int, bump_nonce: bool) -> Account:
        account = self._get(index)
        if not account.exists or account.balance < amount:
            raise ReplayError(f"account {index} holds {account.balance}, a record takes {amount}")
        return account.debit(amount, bump_nonce=bump_nonce)

    def _onchain(self, op: OpRecord) -> None:
        if op.type == NOOP:
            return
        self.records += 1
        if op.type == DEPOSIT:
            before = self._get(op.account)
            owner = (op.pkh, op.address, op.token)
            if before.exists and (before.pkh, before.eth_address, before.token) != owner:
                raise ReplayError(f"a deposit for account {op.account} names another owner or token")
            leaf = before if before.exists else Account(op.pkh, op.address, op.token, 0, 0)
            self.accounts[op.account] = leaf.credit(op.amount)
            self._move_vault(op.chain, op.token, op.amount)
        elif op.type == WITHDRAW:
            self.accounts[op.account] = self._debit(op.account, op.amount, bump_nonce=True)
            self._move_vault(op.chain, op.token, -op.amount)
        elif op.type == FULL_EXIT and op.amount:  # a refused full exit (amount 0) changes nothing
            self.accounts[op.account] = self._debit(op.account, op.amount, bump_nonce=False)
            if self.accounts[op.account].balance:
                raise ReplayError(f"a full exit of account {op.account} left a balance")
            self._move_vault(op.chain, op.token, -op.amount)

    def _l2(self, tx: L2Record) -> None:
        if tx.type == NOOP:
            return
        if tx.type != TRANSFER:
            raise ReplayError(f"L2 record type {tx.type} is no transfer")
        self.records += 1
        amount = unpack_amount(tx.packed_amount)
        self.accounts[tx.from_index] = self._debit(tx.from_index, amount, bump_nonce=True)
        receiver = self._get(tx.to_index)
        if not receiver.exists:
            raise ReplayError(f"a transfer pays account {tx.to_index}, which does not exist")
        self.accounts[tx.to_index] = receiver.credit(amount)
