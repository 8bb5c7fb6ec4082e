"""The sequencer pushes the pending balances that executed withdrawals and full exits left on each chain
to their owners (anyone may call `withdrawPendingBalance`; the sequencer does, so a withdrawal ends paid
without the user's help, and an owner can always pull it with `rollup claim`).

Every payout is independent (orchestrator/store/payouts.py): one that reverts, because the receiver
refuses ETH or the vault is short, is recorded with its reason and retried after a doubling delay; the
others go on. A payout whose gas estimate exceeds `PAYOUT_GAS_CAP` is not sent at all: a receiver
contract must not make the operator pay for whatever it runs on receipt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from web3 import Web3
from web3.exceptions import Web3Exception

from orchestrator.chain.handle import Chain
from orchestrator.chain.sender import prepare
from orchestrator.errors import ChainTxError
from orchestrator.l2.ops import pays_out
from orchestrator.metrics.sequencer import SequencerMetrics
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.store.backoff import retry_delay
from orchestrator.store.payouts import PAID, SETTLED, Payouts, StoredPayout
from orchestrator.store.sequencer import SequencerStore

log = logging.getLogger("sequencer")

PAYOUT_GAS_CAP = 200_000  # an ERC-20 transfer or a plain ETH send costs well under 100k


class PayoutPusher:
    def __init__(
        self,
        store: SequencerStore,
        chains: Mapping[int, Chain],
        ledger: SettlementLedger,
        metrics: SequencerMetrics | None = None,
    ) -> None:
        self.store, self.rows = store, store.payouts
        self.chains, self.ledger = chains, ledger
        self.metrics = metrics
        self._queued: dict[int, int] = {}  # chain -> last executed block whose payouts are queued

    def queue(self, chain: Chain, executed: int) -> None:
        """Queue the payouts of `chain`'s blocks executed since the last call (up to `executed`)."""
        done = self._queued.get(chain.id)
        if done is None:
            cursor = self.store.cursors.get(Payouts.cursor_name(chain.id))
            # a store from before payout rows: its blocks marked paid had their payouts pushed
            done = cursor[0] if cursor else self.store.last_marked(chain.id, "paid")
        infos = self.ledger.blocks_of(chain.id, done, executed)
        if not infos:
            return
        payouts: dict[int, list[tuple[str, int]]] = {}
        for info in infos:
            n = info.block_number
            credited = {
                (Web3.to_checksum_address(r.address.to_bytes(20, "big")), r.token)
                for r in self.ledger.block(n).chain_records(chain.id)
                if pays_out(r.type) and r.amount > 0
            }
            payouts[n] = sorted(credited)
        self.rows.queue(chain.id, payouts, executed)
        self._queued[chain.id] = executed

    def push(self) -> int:
        """Try every payout that is due; returns how many this call paid."""
        paid = 0
        for p in self.rows.due():
            try:
                paid += self._push(p)
            except (ChainTxError, OSError, Web3Exception) as exc:
                delay = retry_delay(p.attempts)
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.rows.failed(p, reason, delay)
                name = self.chains[p.chain].name
                if self.metrics is not None:
                    self.metrics.payout_failures.labels(name).inc()
                log.warning(
                    "payout of block %d to %s (token %d) on %s failed (attempt %d, next in %.0f s): %s",
                    p.block,
                    p.owner,
                    p.token,
                    name,
                    p.attempts + 1,
                    delay,
                    reason,
                )
        return paid

    def _push(self, p: StoredPayout) -> int:
        chain = self.chains[p.chain]
        if chain.rollup.pending_balance(p.owner, p.token) == 0:
            self._ended(p, SETTLED, None)  # claimed by its owner, or paid with a later row
            return 0
        fn = chain.rollup.functions.withdrawPendingBalance(p.owner, p.token)
        gas = int(prepare(chain.name, fn, {"from": chain.tx.address}, "payout")["gas"])
        if gas > PAYOUT_GAS_CAP:
            raise ChainTxError(
                f"{chain.name}: payout would use {gas} gas, over the cap of {PAYOUT_GAS_CAP}: "
                "the owner can claim it (rollup claim)"
            )
        receipt = chain.tx.send(fn, label="payout")
        self._ended(p, PAID, "0x" + bytes(receipt["transactionHash"]).hex())
        name = chain.name
        log.info("paid block %d's payout to %s (token %d) on %s", p.block, p.owner, p.token, name)
        return 1

    def _ended(self, p: StoredPayout, status: str, tx: str | None) -> None:
        if self.rows.ended(p, status, tx):
            name = self.chains[p.chain].name
            log.info("block %d paid on %s", p.block, name)
            built = self.store.built_times([p.block]).get(p.block)
            if self.metrics is not None and built is not None:  # its last payout there: the paid stage
                self.metrics.stage_latency.labels(name, "paid").observe(max(0.0, time.time() - built))
