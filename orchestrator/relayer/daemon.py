"""`rollup relayer`: carry every message sent through any chain's messenger to its destination.

Each round: read newly confirmed `MessageSent` logs on every chain into the store, then for each waiting
message ask the destination whether it is delivered (the truth), and if not, deliver it with the
validators' attestations. The relayer is untrusted: the validators sign only what the source chain sent
(orchestrator/messaging/validators.py), the destination checks the signatures, and the (source, nonce)
bit makes a second delivery fail (`AlreadyDelivered`), so retrying after a crash is safe.

TEST-ONLY: on the devnet the validators' keys are in the devnet file and they run in the relayer's
process; a real validator set signs in its own processes and the relayer only gathers the signatures.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.logs import DISCARD

from orchestrator import crashpoints
from orchestrator.chain.addresses import read_deployments
from orchestrator.chain.handle import Chain, open_chains
from orchestrator.chain.logscan import LogScanner
from orchestrator.chain.sender import GasRecord
from orchestrator.config import DeploymentConfig
from orchestrator.devnet.lifecycle import DaemonLock, Lifeline, stale_after_s
from orchestrator.errors import ChainTxError, ConfigError, DevnetError
from orchestrator.jsonrpc.server import JsonRpcServer
from orchestrator.messaging.attest import Message
from orchestrator.messaging.relay import message_from_event
from orchestrator.messaging.validators import AttestationRefused, ValidatorSet
from orchestrator.metrics.http import Health, Rounds, health_doc, routes, unreachable
from orchestrator.metrics.relayer import RelayerMetrics
from orchestrator.relayer.store import GAVE_UP, MAX_ATTEMPTS, WAITING, RelayerStore, StoredMessage
from orchestrator.settlement.messages import kind_name

log = logging.getLogger("relayer")

MAX_BATCH = 8
"""Messages for one destination per `deliverBatch` transaction: each gives its recipient up to 1M gas
(AttestedMessenger.DELIVERY_GAS), so 8 stay well inside a 30M block even at worst."""
EXODUS_CHECK_S = 5.0  # how often the relayer reads each chain's exodus flag (a gauge; it keeps running)


class Relayer:
    def __init__(self, config: DeploymentConfig, home: Path, gas_log: list[GasRecord] | None = None) -> None:
        crashpoints.arm(config)
        if config.keys.relayer is None:
            raise ConfigError(
                f"{config.path}: [test_keys] needs a relayer key (the account that pays deliveries)"
            )
        self.config = config
        self.store = RelayerStore(home / "relayer.db")
        try:
            opened = open_chains(config, read_deployments(home), config.keys.relayer, self.store.db, gas_log)
        except BaseException:
            self.store.close()
            raise
        self.chains = {c.config.evm_chain_id: c for c in opened.values()}  # messages name EVM chain ids
        cursors = self.store.cursors
        self.scanners = {
            evm_id: LogScanner(
                c.w3,
                c.messenger.events.MessageSent,
                cursors,
                f"messages:{c.name}",
                c.config.confirmations,
                c.deploy_block,
            )
            for evm_id, c in self.chains.items()
        }
        keys = config.keys
        self.validators = ValidatorSet(keys.validators[: keys.validator_threshold], self.chains)
        self.metrics = RelayerMetrics([c.name for c in self.chains.values()])
        self.rounds = Rounds(stale_after_s(config.block_time))
        self.lifeline: Lifeline | None = None
        self._counts: dict[tuple[str, int], int] = {}  # the store's messages by status and destination

    def run(self, stop: threading.Event, lock: DaemonLock | None = None) -> None:
        """Rounds until `stop`; with the home's `lock`, each round first beats the heartbeat and checks
        the lifeline (orchestrator/devnet/lifecycle.py), as the sequencer does."""
        lifeline = None
        if lock is not None:
            lifeline = Lifeline(lock, self.store.db.path, list(self.chains.values()), log)
        self.lifeline = lifeline
        server = None
        try:
            server = self._serve_metrics()
            log.info(
                "relayer ready: %d chains, %d-of-%d attestations, metrics on %s",
                len(self.chains),
                len(self.validators.keys),
                len(self.config.keys.validators),
                self.config.relayer.metrics_url,
            )
            next_exodus_check = 0.0
            while not stop.is_set():
                if lifeline is None or lifeline.check():
                    if time.monotonic() >= next_exodus_check:  # one call per chain, not every round
                        self._read_exodus()
                        next_exodus_check = time.monotonic() + EXODUS_CHECK_S
                    self.step()
                self.rounds.beat()
                stop.wait(self.config.relayer.poll_ms / 1000)
        finally:
            if server is not None:
                server.stop()
            self.store.close()
            log.info("relayer stopped")

    def _serve_metrics(self) -> JsonRpcServer:
        """GET /metrics and /health on `[relayer] metrics_port` (no JSON-RPC methods)."""
        port = self.config.relayer.metrics_port
        try:
            server = JsonRpcServer("127.0.0.1", port, {}, routes=routes(self.metrics.registry, self.health))
        except OSError as exc:
            raise DevnetError(f"relayer: cannot serve its metrics on 127.0.0.1:{port}: {exc}") from None
        server.start()
        return server

    def health(self) -> Health:
        """GET /health: not ok while the loop is stuck or a chain does not answer."""
        problems = self.rounds.problems()
        if self.lifeline is not None:
            problems += unreachable(self.lifeline.unreachable)
        return health_doc(
            "relayer",
            problems,
            waiting=sum(n for (status, _), n in self._counts.items() if status == WAITING),
            given_up=sum(n for (status, _), n in self._counts.items() if status == GAVE_UP),
            last_round_s_ago=round(self.rounds.age(), 1),
        )

    def _read_exodus(self) -> None:
        for chain in self.chains.values():
            try:
                active = chain.rollup.functions.exodusActive().call()
            except (OSError, Web3Exception) as exc:
                log.warning("%s: reading the exodus flag failed: %s (retrying)", chain.name, exc)
                continue
            self.metrics.exodus.labels(chain.name).set(int(bool(active)))

    def _name_of(self, evm_chain_id: int) -> str:
        chain = self.chains.get(evm_chain_id)
        return chain.name if chain is not None else str(evm_chain_id)

    def _count_messages(self) -> None:
        counts = self._counts = self.store.counts()
        for evm_id, chain in self.chains.items():
            self.metrics.waiting.labels(chain.name).set(counts.get((WAITING, evm_id), 0))
            self.metrics.given_up.labels(chain.name).set(counts.get((GAVE_UP, evm_id), 0))

    def step(self) -> int:
        """One round; returns how many messages it delivered."""
        for chain in self.chains.values():
            try:
                self._scan(chain)
            except (ChainTxError, OSError, Web3Exception) as exc:
                log.warning("%s: reading messages failed: %s (retrying)", chain.config.name, exc)
        by_destination: dict[int, list[StoredMessage]] = {}
        for stored in self.store.due():
            by_destination.setdefault(stored.message.destination_chain_id, []).append(stored)
        delivered = 0
        for group in by_destination.values():
            for start in range(0, len(group), MAX_BATCH):
                delivered += self._deliver_group(group[start : start + MAX_BATCH])
        self._count_messages()
        return delivered

    def _deliver_group(self, group: list[StoredMessage]) -> int:
        """Messages for one destination: in one `deliverBatch` when there are several; one by one (each
        failure its own) when there is one or the batch fails. Each message tried counts one attempt,
        in a batch or alone, and each try that failed one failure (found delivered already is none)."""
        m = self.metrics
        destination = self._name_of(group[0].message.destination_chain_id)
        if len(group) > 1:
            m.attempts.labels(destination).inc(len(group))
            try:
                batched = self._deliver_batch(group)
            except (OSError, Web3Exception) as exc:
                log.warning("batch of %d messages: %s (one by one instead)", len(group), exc)
                batched = None
            if batched is not None:
                m.delivered.labels(destination).inc(batched)
                return batched
            m.failures.labels(destination).inc(len(group))
        delivered = 0
        for stored in group:
            m.attempts.labels(destination).inc()
            try:
                delivered += self._deliver(stored)
            except (OSError, Web3Exception) as exc:
                m.failures.labels(destination).inc()
                log.warning("message %s: %s (retrying)", _name(stored.message), exc)
        m.delivered.labels(destination).inc(delivered)
        return delivered

    def _deliver_batch(self, group: list[StoredMessage]) -> int | None:
        """All of `group` in one transaction, or None to fall back to one by one: when they are not for a
        known chain, the validators refuse one, or the batch would revert. No `delivered` call first: the
        messenger skips a message already there, and the receipt tells which this batch delivered."""
        dest = self.chains.get(group[0].message.destination_chain_id)
        if dest is None:
            return None
        try:
            signatures = [self.validators.attest(s.message, s.l1_block) for s in group]
        except AttestationRefused:
            return None
        batch = dest.messenger.functions.deliverBatch([s.message.as_tuple() for s in group], signatures)
        crashpoints.crashpoint("relayer-before-deliver")
        try:
            receipt = dest.tx.send(batch, label=_batch_label(group))
        except ChainTxError as exc:
            log.warning("batch of %d messages would fail: %s (one by one instead)", len(group), exc)
            return None
        crashpoints.crashpoint("relayer-after-deliver")
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        events = dest.messenger.events.MessageDelivered().process_receipt(receipt, errors=DISCARD)
        ours = {(int(e["args"]["sourceChainId"]), int(e["args"]["nonce"])) for e in events}
        for stored in group:
            m = stored.message
            by_us = (m.source_chain_id, m.nonce) in ours
            self.store.delivered(m, tx_hash if by_us else None)  # else: delivered before, by someone
            log.info("delivered %s" if by_us else "%s was delivered already", _name(m))
        return len(ours)

    def _scan(self, chain: Chain) -> None:
        scanner = self.scanners[chain.config.evm_chain_id]
        scan = scanner.scan()
        if scan.rewound_from is not None:
            self.store.forget_waiting_from(chain.config.evm_chain_id, scan.rewound_from)
        found = [
            (message_from_event(chain.config.evm_chain_id, e["args"]), int(e["blockNumber"]))
            for e in scan.logs
        ]
        self.store.add_messages(found)
        scanner.advance()
        self.metrics.seen.labels(chain.name).inc(len(found))
        for message, _ in found:
            log.info("seen %s", _name(message))

    def _deliver(self, stored: StoredMessage) -> int:
        m = stored.message
        dest = self.chains.get(m.destination_chain_id)
        if dest is None:
            self._failed(m, f"no chain with EVM id {m.destination_chain_id} in the devnet")
            return 0
        if self._is_delivered(dest, m):
            self.store.delivered(m, None)
            return 0
        crashpoints.crashpoint("relayer-before-deliver")
        try:
            receipt = dest.tx.send(
                self._delivery(dest, m, stored.l1_block), label=f"deliver {kind_name(m.payload)}"
            )
        except (AttestationRefused, ChainTxError) as exc:
            if isinstance(exc, ChainTxError) and exc.error == "AlreadyDelivered":
                self.store.delivered(m, None)
                return 0
            self._failed(m, str(exc))
            return 0
        crashpoints.crashpoint("relayer-after-deliver")
        self.store.delivered(m, "0x" + bytes(receipt["transactionHash"]).hex())
        log.info("delivered %s", _name(m))
        return 1

    def _failed(self, m: Message, error: str) -> None:
        self.metrics.failures.labels(self._name_of(m.destination_chain_id)).inc()
        attempts = self.store.failed_attempt(m, error)
        if attempts >= MAX_ATTEMPTS:
            log.error("%s given up after %d failed deliveries: %s", _name(m), attempts, error)
        else:
            log.warning("%s not delivered (attempt %d of %d): %s", _name(m), attempts, MAX_ATTEMPTS, error)

    def _is_delivered(self, dest: Chain, m: Message) -> bool:
        return dest.messenger.delivered(m.source_chain_id, m.nonce)

    def _delivery(self, dest: Chain, m: Message, seen_at: int) -> ContractFunction:
        """`deliver(m)` on the destination with the validators' signatures (`AttestationRefused` if they
        will not sign it); `seen_at` is the source block the relayer saw it in, where they look."""
        return dest.messenger.functions.deliver(m.as_tuple(), self.validators.attest(m, seen_at))


def _batch_label(group: list[StoredMessage]) -> str:
    """`deliver 2 reports`, or `deliver 3 messages` when their kinds differ (gas logs and benchmarks)."""
    kinds = {kind_name(s.message.payload) for s in group}
    return f"deliver {len(group)} {kinds.pop() if len(kinds) == 1 else 'message'}s"


def _name(m: Message) -> str:
    return f"{kind_name(m.payload)} {m.source_chain_id}#{m.nonce} -> {m.destination_chain_id}"
