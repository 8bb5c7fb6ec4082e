"""Accepted L2 transactions waiting for a block, and the state they would leave behind.

Intake checks a transaction against the *pending* state: the built blocks plus every transaction already
accepted, so a user can send nonce 0, 1, 2 without waiting for blocks. Blocks put on-chain operation
slots (withdrawals) before L2 slots (transfers), so `select` keeps every account's transactions in the
order they were accepted: a withdrawal that would overtake a taken transfer of the same account waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from orchestrator.errors import TxRejected
from orchestrator.l2.ops import kind_of
from orchestrator.l2.state import L2State
from orchestrator.l2.wire import L2Tx, l2_tx_hash


@dataclass(frozen=True)
class Pending:
    hash: str
    tx: L2Tx


class Mempool:
    def __init__(self, state: L2State, domain: int) -> None:
        self.state = state
        self.domain = domain
        self.txs: list[Pending] = []
        self._hashes: set[str] = set()
        self._pending = state.fork()

    @property
    def pending_state(self) -> L2State:
        return self._pending

    def add(self, tx: L2Tx, record: Callable[[str], None] | None = None) -> str:
        """Accept `tx` if it applies to the pending state; returns its hash, or raises `TxRejected`.
        `record(hash)` (the store write) runs after every check and before the pending state moves, so
        a failing write leaves the mempool as it was. The signature is verified once, here."""
        tx_hash = l2_tx_hash(tx)
        if tx_hash in self._hashes:
            raise TxRejected("duplicate", f"transaction {tx_hash} is already in the mempool")
        self._admit(Pending(tx_hash, tx), record)
        return tx_hash

    def _admit(
        self, pending: Pending, record: Callable[[str], None] | None = None, verified: bool = False
    ) -> None:
        tx, state = pending.tx, self._pending
        # check, write the store, then apply: a refusal or a failing write leaves the state as it was
        state.check_signed(tx, self.domain, signature_verified=verified)
        if record is not None:
            record(pending.hash)
        state.apply_signed(tx, self.domain, signature_verified=True)  # the checks run again, but this one
        self.txs.append(pending)
        self._hashes.add(pending.hash)

    def select(self, op_slots: int, tx_slots: int) -> tuple[list[Pending], list[Pending]]:
        """Withdrawals for `op_slots` and transfers for `tx_slots`, in acceptance order, none overtaking
        an earlier transaction of an account it touches."""
        withdraws: list[Pending] = []
        transfers: list[Pending] = []
        touched: set[int] = set()  # accounts of taken transfers (they run after every withdrawal)
        waiting: set[int] = set()  # accounts with a transaction left for a later block
        for p in self.txs:
            tx = p.tx
            accounts = tx.accounts()
            if kind_of(tx).onchain:
                ok = len(withdraws) < op_slots and not accounts & (touched | waiting)
                (withdraws if ok else []).append(p)
            else:
                ok = len(transfers) < tx_slots and not accounts & waiting
                if ok:
                    transfers.append(p)
                    touched |= accounts
            if not ok:
                waiting |= accounts
        return withdraws, transfers

    def rebase(self, removed: Iterable[str]) -> list[tuple[str, str]]:
        """After a block: forget the `removed` hashes, check the rest again on the new state. Returns the
        (hash, reason) of transactions that no longer apply (a full exit emptied the account, say)."""
        gone = set(removed)
        keep = [p for p in self.txs if p.hash not in gone]
        self.txs, self._hashes, self._pending = [], set(), self.state.fork()
        dropped: list[tuple[str, str]] = []
        for p in keep:
            try:
                self._admit(p, verified=True)  # its signature was verified when it first came in
            except TxRejected as exc:
                dropped.append((p.hash, f"{exc.code}: {exc}"))
        return dropped
