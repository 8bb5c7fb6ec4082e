"""`rollup sequencer`: the node's loop in the main thread, the JSON-RPC intake in server threads.

One lock guards the L2 state and the mempool: RPC calls take it briefly; the loop takes it only to build
a block, never while proving or waiting for L1 receipts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from orchestrator import crashpoints
from orchestrator.chain.clients import Stage
from orchestrator.config import DeploymentConfig
from orchestrator.devnet.lifecycle import DaemonLock, Lifeline, stale_after_s
from orchestrator.errors import DevnetError, TxRejected
from orchestrator.jsonrpc import api
from orchestrator.jsonrpc.server import NOT_FOUND, JsonRpcServer, Method, RpcError
from orchestrator.l2.account import address_to_int
from orchestrator.l2.wire import address_of
from orchestrator.metrics.http import Health, Rounds, health_doc, routes, unreachable
from orchestrator.metrics.sequencer import SequencerMetrics
from orchestrator.prover.profiles import BlockProver
from orchestrator.sequencer.node import SequencerNode, chain_stages

EXODUS_CHECK_S = 5.0  # how often a running sequencer asks whether exodus started (it then stops)

log = logging.getLogger("sequencer")


def _index(value: Any, what: str = "account index") -> int:
    if type(value) is not int or not 0 <= value < 1 << 63:  # the store keeps it in a signed 64-bit INTEGER
        raise RpcError(-32602, f"{what} must be a non-negative integer below 2^63, got {value!r:.80}")
    return value


class SequencerDaemon:
    def __init__(self, config: DeploymentConfig, home: Path, prover: BlockProver | None = None) -> None:
        crashpoints.arm(config)
        self.config = config
        self.lock = threading.RLock()
        self.metrics = SequencerMetrics(chain_stages(config))
        self.rounds = Rounds(stale_after_s(config.block_time))
        self.lifeline: Lifeline | None = None
        self._batched: list[str] | None = None  # kinds accepted in the running batch, counted once stored
        try:
            self.server = JsonRpcServer(
                "127.0.0.1",
                config.sequencer.rpc_port,
                self._methods(),
                batch_scope=self._batch_scope,
                routes=routes(self.metrics.registry, self.health),
            )
        except OSError as exc:
            raise DevnetError(
                f"sequencer: cannot listen on 127.0.0.1:{config.sequencer.rpc_port}: {exc}"
            ) from None
        try:
            self.node = SequencerNode(config, home, prover, self.metrics)
        except BaseException:
            self.server.server_close()
            raise

    def run(self, stop: threading.Event, lock: DaemonLock | None = None) -> None:
        """Rounds until `stop`. With the home's `lock` (the CLI's daemon), each round first beats the
        heartbeat and checks the lifeline: `DaemonLost` ends the daemon when its store or its chains are
        gone, and a round in which no chain answers does no work."""
        lifeline = None
        if lock is not None:
            lifeline = Lifeline(lock, self.node.store.db.path, list(self.node.chains.values()), log)
        self.lifeline = lifeline
        self.server.start()
        self.node.prover.start()
        log.info("sequencer ready: JSON-RPC on %s", self.config.sequencer.rpc_url)
        try:
            next_exodus_check = 0.0
            while not stop.is_set():
                if self.node.prover.error is not None:
                    raise self.node.prover.error
                if lifeline is None or lifeline.check():
                    if time.monotonic() >= next_exodus_check:  # one call per chain, not every round
                        self.node.refuse_exodus()
                        next_exodus_check = time.monotonic() + EXODUS_CHECK_S
                    self.node.step(lambda: self.lock)
                self.rounds.beat()
                stop.wait(self.config.sequencer.poll_ms / 1000)
        finally:
            self.server.stop()
            self.node.close()
            log.info("sequencer stopped")

    # -- JSON-RPC --------------------------------------------------------------------------------------

    def _methods(self) -> dict[str, Method]:
        return {
            api.CHAIN_INFO: self.chain_info,
            api.SEND_TRANSACTION: self.send_transaction,
            api.GET_ACCOUNT: self.get_account,
            api.ACCOUNTS_OF: self.accounts_of,
            api.GET_TRANSACTION: self.get_transaction,
            api.GET_BLOCK: self.get_block,
            api.GET_PRIORITY_REQUEST: self.get_priority_request,
            api.STATUS: self.status,
        }

    def chain_info(self) -> api.ChainInfo:
        """What a wallet needs to sign (the domain) and to name chains and tokens."""
        tokens = {0: "ETH", **{t.l2_token_id: t.symbol for t in self.config.tokens}}
        return {
            "domain": hex(self.node.domain),
            "profile": self.node.profile_name,
            "chains": [
                {
                    "name": c.config.name,
                    "rollup_chain_id": c.id,
                    "evm_chain_id": c.config.evm_chain_id,
                    "tokens": ["ETH", *c.config.tokens],
                }
                for c in self.node.chains.values()
            ],
            "tokens": {str(k): v for k, v in tokens.items()},
        }

    @contextmanager
    def _batch_scope(self) -> Iterator[None]:
        """A JSON-RPC batch's transactions are stored in one SQLite transaction (one disk sync, not one
        per transfer), committed before any of them is acknowledged; the daemon's lock is taken first,
        as the loop takes it before it writes a block. They count as accepted once committed."""
        with self.lock, self.node.store.db.group():
            self._batched = []
            try:
                yield
            finally:
                accepted, self._batched = self._batched, None
        for kind in accepted:
            self.metrics.accepted.labels(kind).inc()

    def send_transaction(self, tx: Any) -> api.SentTransaction:
        with self.lock:
            try:
                tx_hash = self.node.submit(tx)
            except TxRejected as exc:
                self.metrics.refusal(exc.code)
                raise
            kind = str(tx["type"])  # submit parsed it: a dict of a known type
            if self._batched is not None:
                self._batched.append(kind)
            else:
                self.metrics.accepted.labels(kind).inc()
            return {"hash": tx_hash}

    def health(self) -> Health:
        """GET /health: not ok while the loop is stuck, a chain does not answer or the prover failed."""
        problems = self.rounds.problems()
        if self.lifeline is not None:
            problems += unreachable(self.lifeline.unreachable)
        if self.node.prover.error is not None:
            problems.append(f"the prover failed: {self.node.prover.error}")
        return health_doc(
            "sequencer",
            problems,
            last_block=self.node.builder.ledger.last_block,
            mempool=len(self.node.mempool.txs),
            last_round_s_ago=round(self.rounds.age(), 1),
        )

    def _account(self, index: int) -> api.AccountInfo:
        built = self.node.state.account(index)
        pending = self.node.mempool.pending_state.account(index)
        return {
            "index": index,
            "exists": built.exists or pending.exists,
            "pkh": hex(built.pkh),
            "address": "0x" + built.eth_address.to_bytes(20, "big").hex(),
            "token": built.token,
            "balance": str(built.balance),
            "nonce": built.nonce,
            "pending_balance": str(pending.balance),
            "pending_nonce": pending.nonce,
        }

    def get_account(self, index: Any) -> api.AccountInfo:
        index = _index(index)
        if index >= 1 << self.node.profile.depth:
            raise RpcError(
                NOT_FOUND,
                f"account {index} is outside the tree (2^{self.node.profile.depth} accounts)",
            )
        with self.lock:
            return self._account(index)

    def accounts_of(self, address: Any) -> list[api.AccountInfo]:
        """Every account whose L1 owner is `address` (what deposits made for it)."""
        if not isinstance(address, str):
            raise RpcError(-32602, "address must be a 0x-prefixed hex string")
        owner = address_to_int(address)
        with self.lock:
            return [
                self._account(i) for i, a in self.node.state.items() if a.eth_address == owner and a.exists
            ]

    def get_transaction(self, tx_hash: Any) -> api.TransactionInfo:
        if not isinstance(tx_hash, str):
            raise RpcError(-32602, "the transaction hash is a 0x-hex string")
        stored = self.node.store.l2_tx(tx_hash.lower())
        if stored is None:
            raise RpcError(NOT_FOUND, f"unknown transaction {tx_hash}")
        out: api.TransactionInfo = {
            "hash": stored.hash,
            "type": stored.kind,
            "status": stored.status,
            "block": stored.block,
            "error": stored.error,
        }
        if stored.block is not None:
            out["stages"] = self._stages(stored.block)
            if stored.kind == "withdraw":
                out["payout"] = self._payout(stored.block, stored.body)
        return out

    def _payout(self, block: int, body: dict[str, Any]) -> api.PayoutInfo | None:
        """The payout a withdrawal's block queued for its receiver on its chain (None until executed)."""
        owner = address_of(body)  # a request's address may have lost leading zeros (hex())
        for p in self.node.store.payouts.of_block(block, [int(body["chain"])]):
            if address_to_int(p.owner) == owner:
                return cast(api.PayoutInfo, p.as_json())
        return None

    def _stages(self, number: int) -> dict[str, list[str]]:
        marks = self.node.store.stage_marks(number)
        names = {c.id: c.name for c in self.node.chains.values()}
        out: dict[str, list[str]] = {}
        for (_, chain, stage), _ in sorted(marks.items(), key=lambda kv: kv[1]):
            out.setdefault(names[chain], []).append(stage)
        return out

    def get_block(self, number: Any) -> api.BlockInfo:
        number = _index(number, "block number")
        b = self.node.store.block(number)
        if b is None:
            raise RpcError(
                NOT_FOUND, f"block {number} is not built yet (last: {self.node.store.last_block()})"
            )
        payouts = [cast(api.PayoutInfo, p.as_json()) for p in self.node.store.payouts.of_block(number)]
        return {
            "number": number,
            "timestamp": b.timestamp,
            "new_root": hex(b.new_root),
            "ops": b.body["ops"],
            "transfers": len(b.body["transfers"]),
            "stages": self._stages(number),
            "payouts": payouts,
        }

    def get_priority_request(self, chain: Any, serial: Any) -> api.RequestInfo | None:
        """A request the sequencer has seen (None if not yet), with its block's stages and its payout."""
        chain, serial = _index(chain, "rollup chain id"), _index(serial, "serial id")
        r = self.node.store.request(chain, serial)
        if r is None:
            return None
        out: api.RequestInfo = {
            "chain": chain,
            "serial": serial,
            "type": r.kind,
            "status": r.status,
            "block": r.block,
        }
        if r.block is not None:
            out["stages"] = self._stages(r.block)
            if r.kind == "full_exit":
                out["payout"] = self._payout(r.block, r.body)
        return out

    def status(self) -> api.StatusInfo:
        node = self.node
        with self.lock:
            mempool = len(node.mempool.txs)
        return {
            "last_block": node.store.last_block(),
            "mempool": mempool,
            "queued_requests": len(node.store.queued_requests()),
            "refused_requests": [
                f"chain {r.chain} request {r.serial}: {error}" for r, error in node.store.refused_requests()
            ],
            "payouts_waiting": [cast(api.PayoutInfo, p.as_json()) for p in node.store.payouts.waiting()[:20]],
            "chains": [self._counters(c, seen) for c, seen in sorted(node.counters.items())],
            "data_committee": node.availability.waiting if node.availability else None,
        }

    def _counters(self, chain: int, seen: dict[Stage, int]) -> api.ChainCounters:
        out: api.ChainCounters = {
            "name": self.node.chains[chain].name,
            "rollup_chain_id": chain,
            "committed": seen[Stage.COMMITTED],
            "synchronized": seen[Stage.SYNCHRONIZED],
            "executed": seen[Stage.EXECUTED],
        }
        if Stage.PROVEN in seen:  # the primary only
            out["proven"] = seen[Stage.PROVEN]
        return out
