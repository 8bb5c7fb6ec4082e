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
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception

from orchestrator import crashpoints
from orchestrator.chain.addresses import MESSENGER, read_deployments
from orchestrator.chain.connect import connect
from orchestrator.chain.logscan import LogScanner
from orchestrator.chain.sender import Sender
from orchestrator.config import ChainConfig, DevnetConfig
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.devnet.lifecycle import DaemonLock, Lifeline, WatchedChain
from orchestrator.errors import ChainTxError, ConfigError
from orchestrator.messaging.attest import Message
from orchestrator.messaging.relay import message_from_event
from orchestrator.messaging.validators import AttestationRefused, SourceChain, ValidatorSet
from orchestrator.relayer.store import RelayerStore, StoredMessage

log = logging.getLogger("relayer")

KINDS = {1: "sync report", 2: "confirmation"}  # first payload byte (contracts/libraries/SyncMessages.sol)


@dataclass
class RelayChain:
    config: ChainConfig
    w3: Web3
    messenger: Contract
    sender: Sender
    scanner: LogScanner


class Relayer:
    def __init__(self, config: DevnetConfig, home: Path) -> None:
        crashpoints.arm(config)
        if config.keys.relayer is None:
            raise ConfigError(
                f"{config.path}: [test_keys] needs a relayer key (the account that pays deliveries)"
            )
        self.config = config
        self.key = config.keys.relayer
        self.store = RelayerStore(home / "relayer.db")
        deployments = read_deployments(home)
        abi = compile_contracts()[MESSENGER].abi
        self.chains: dict[int, RelayChain] = {}
        for chain in config.chains:
            deployed = deployments.chains[chain.name]
            w3 = connect(chain)
            address = Web3.to_checksum_address(deployed.contracts[MESSENGER].address)
            messenger = w3.eth.contract(address=address, abi=abi)
            scanner = LogScanner(
                w3,
                messenger.events.MessageSent,
                self.store.cursors,
                f"messages:{chain.name}",
                config.relayer.confirmations,
                deployed.deploy_block,
            )
            sender = Sender(w3, chain.name, self.key, self.store.db)
            self.chains[chain.evm_chain_id] = RelayChain(chain, w3, messenger, sender, scanner)
        sources = {
            evm_id: SourceChain(c.w3, c.messenger, deployments.chains[c.config.name].deploy_block)
            for evm_id, c in self.chains.items()
        }
        keys = config.keys
        self.validators = ValidatorSet(
            keys.validators[: keys.validator_threshold], sources, config.relayer.confirmations
        )

    def run(self, stop: threading.Event, lock: DaemonLock | None = None) -> None:
        """Rounds until `stop`; with the home's `lock`, each round first beats the heartbeat and checks
        the lifeline (orchestrator/devnet/lifecycle.py), as the sequencer does."""
        lifeline = None
        if lock is not None:
            chains = [
                WatchedChain(c.config.name, c.config.rpc_url, c.config.evm_chain_id, c.messenger.address)
                for c in self.chains.values()
            ]
            lifeline = Lifeline(lock, self.store.db.path, chains, log)
        log.info(
            "relayer ready: %d chains, %d-of-%d attestations",
            len(self.chains),
            len(self.validators.keys),
            len(self.config.keys.validators),
        )
        try:
            while not stop.is_set():
                if lifeline is None or lifeline.check():
                    self.step()
                stop.wait(self.config.relayer.poll_ms / 1000)
        finally:
            self.store.close()
            log.info("relayer stopped")

    def step(self) -> int:
        """One round; returns how many messages it delivered."""
        for chain in self.chains.values():
            try:
                self._scan(chain)
            except (ChainTxError, OSError, Web3Exception) as exc:
                log.warning("%s: reading messages failed: %s (retrying)", chain.config.name, exc)
        delivered = 0
        for stored in self.store.waiting():
            try:
                delivered += self._deliver(stored)
            except (OSError, Web3Exception) as exc:
                log.warning("message %s: %s (retrying)", _name(stored.message), exc)
        return delivered

    def _scan(self, chain: RelayChain) -> None:
        scan = chain.scanner.scan()
        if scan.rewound_from is not None:
            self.store.forget_waiting_from(chain.config.evm_chain_id, scan.rewound_from)
        found = [
            (message_from_event(chain.config.evm_chain_id, e["args"]), int(e["blockNumber"]))
            for e in scan.logs
        ]
        self.store.add_messages(found)
        chain.scanner.advance()
        for message, _ in found:
            log.info("seen %s", _name(message))

    def _deliver(self, stored: StoredMessage) -> int:
        m = stored.message
        dest = self.chains.get(m.destination_chain_id)
        if dest is None:
            if stored.attempts == 0:
                self.store.failed_attempt(m, f"no chain with EVM id {m.destination_chain_id} in the devnet")
            return 0
        if self._is_delivered(dest, m):
            self.store.delivered(m, None)
            return 0
        crashpoints.crashpoint("relayer-before-deliver")
        try:
            receipt = dest.sender.send(self._delivery(dest, m), label="deliver")
        except (AttestationRefused, ChainTxError) as exc:
            if isinstance(exc, ChainTxError) and exc.error == "AlreadyDelivered":
                self.store.delivered(m, None)
                return 0
            self.store.failed_attempt(m, str(exc))
            log.warning("%s not delivered: %s", _name(m), exc)
            return 0
        crashpoints.crashpoint("relayer-after-deliver")
        self.store.delivered(m, "0x" + bytes(receipt["transactionHash"]).hex())
        log.info("delivered %s", _name(m))
        return 1

    def _is_delivered(self, dest: RelayChain, m: Message) -> bool:
        return bool(dest.messenger.functions.delivered(m.source_chain_id, m.nonce).call())

    def _delivery(self, dest: RelayChain, m: Message) -> ContractFunction:
        """`deliver(m)` on the destination with the validators' signatures (`AttestationRefused` if they
        will not sign it)."""
        return dest.messenger.functions.deliver(m.as_tuple(), self.validators.attest(m))


def _name(m: Message) -> str:
    kind = KINDS.get(m.payload[0], "message") if m.payload else "message"
    return f"{kind} {m.source_chain_id}#{m.nonce} -> {m.destination_chain_id}"
