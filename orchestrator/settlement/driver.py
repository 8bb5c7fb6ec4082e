"""One operator taking blocks through the four stages on every chain, synchronously (no daemons).

This is the round the sequencer and relayer daemons will run continuously: each step reads the on-chain
counters first and does only what is missing, so a step repeated after a failure neither skips nor
repeats work. Used by the settlement tests and the gas benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from orchestrator.chain.addresses import MESSENGER, ROLLUP, Deployments
from orchestrator.chain.connect import connect
from orchestrator.chain.sender import GasRecord, Sender
from orchestrator.config import ChainConfig, DevnetConfig
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.l2.block import Block, build_block
from orchestrator.l2.params import ETH_TOKEN, get_profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, FullExit, OnChainOp, Transfer
from orchestrator.messaging.relay import delivery, sent_messages
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement import stages
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.settlement.requests import queued_requests

REPORT, CONFIRMATION = 1, 2  # first payload byte (contracts/libraries/SyncMessages.sol)


SenderFactory = Callable[[Web3, ChainConfig, list[GasRecord]], Sender]
"""How the driver gets the operator's sender on one chain (the sequencer passes one backed by its store)."""


@dataclass
class ChainHandle:
    """One chain as the driver sees it: its node, contracts, transactor and event cursors."""

    config: ChainConfig
    w3: Web3
    rollup: Contract
    messenger: Contract
    tx: Sender  # the operator's
    message_cursor: int
    request_cursor: int
    _senders: dict[str, Sender] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.config.rollup_chain_id

    def sender(self, key: str) -> Sender:
        """Another account's sender on this chain (a user's, in tests and tools)."""
        if key not in self._senders:
            self._senders[key] = Sender(self.w3, self.config.name, key)
        return self._senders[key]

    def counter(self, name: str) -> int:
        return int(getattr(self.rollup.functions, name)().call())


class SettlementDriver:
    """The operator's side of a devnet round: build blocks from the model, commit, prove, report,
    relay, synchronize and execute on every chain."""

    def __init__(
        self,
        config: DevnetConfig,
        deployments: Deployments,
        prover: BlockProver,
        sender: SenderFactory | None = None,
    ) -> None:
        self.config = config
        self.deployments = deployments
        self.prover = prover
        self.profile = get_profile(config.rollup.profile)
        artifacts = compile_contracts()
        self.gas_log: list[GasRecord] = []  # every call on every chain, in order
        self.chains: dict[int, ChainHandle] = {}
        for chain in config.chains:
            deployed = deployments.chains[chain.name]
            w3 = connect(chain)
            rollup_abi = artifacts["PrimaryRollup" if chain.is_primary else "SecondaryRollup"].abi
            rollup = w3.eth.contract(address=Web3.to_checksum_address(deployed.contracts[ROLLUP].address),
                                     abi=rollup_abi)  # fmt: skip
            messenger = w3.eth.contract(
                address=Web3.to_checksum_address(deployed.contracts[MESSENGER].address),
                abi=artifacts[MESSENGER].abi,
            )
            self.chains[chain.rollup_chain_id] = ChainHandle(
                chain,
                w3,
                rollup,
                messenger,
                (sender or self._operator_sender)(w3, chain, self.gas_log),
                deployed.deploy_block,
                deployed.deploy_block,
            )
        self.primary = self.chains[config.primary.rollup_chain_id]
        self.domain = int(self.primary.rollup.functions.domain().call())
        tokens = {ETH_TOKEN: [c.rollup_chain_id for c in config.chains]}
        for t in config.tokens:
            tokens[t.l2_token_id] = [c.rollup_chain_id for c in config.chains if t.symbol in c.tokens]
        self.state = L2State(self.profile, tokens=tokens)
        self.ledger = SettlementLedger(self.primary.id, self.chains, self.state.root)
        self.operator = config.keys.operator
        self.validators = list(config.keys.validators[: config.keys.validator_threshold])

    def _operator_sender(self, w3: Web3, chain: ChainConfig, gas_log: list[GasRecord]) -> Sender:
        return Sender(w3, chain.name, self.config.keys.operator, gas_log=gas_log)

    # -- reading ---------------------------------------------------------------------------------------

    def counters(self) -> dict[str, dict[str, int]]:
        """Each chain's committed, proven (primary), synchronized and executed block."""
        out: dict[str, dict[str, int]] = {}
        for c in self.chains.values():
            names = ["lastCommittedBlock", "lastSynchronizedBlock", "lastExecutedBlock"]
            if c is self.primary:
                names.insert(1, "lastProvenBlock")
            out[c.config.name] = {n: c.counter(n) for n in names}
        return out

    def new_requests(self) -> list[Deposit | FullExit]:
        """Priority requests queued on any chain since the last call, each chain's in serial order."""
        found: list[Deposit | FullExit] = []
        for c in self.chains.values():
            head = int(c.w3.eth.block_number)
            if head >= c.request_cursor:
                found += queued_requests(c.rollup, c.id, c.request_cursor, head)
                c.request_cursor = head + 1
        return found

    # -- building blocks -------------------------------------------------------------------------------

    def build_block(
        self,
        ops: Sequence[OnChainOp] = (),
        transfers: Sequence[Transfer] = (),
        timestamp: int | None = None,
        signatures_verified: bool = False,
    ) -> Block:
        """The next block from the model (applied to the state), recorded in the ledger. `timestamp`
        replays a stored block; new blocks take the clock (never earlier than the previous block).
        `signatures_verified`: the caller checked every signature already (see `l2.block.build_block`)."""
        previous = self.ledger.block(self.ledger.last_block).timestamp if self.ledger.last_block else 0
        timestamp = max(int(time.time()), previous) if timestamp is None else timestamp
        block = build_block(self.state, number=self.ledger.last_block + 1, timestamp=timestamp,
                            domain=self.domain, ops=ops, transfers=transfers,
                            signatures_verified=signatures_verified)  # fmt: skip
        self.ledger.add(block)
        return block

    # -- the stages ------------------------------------------------------------------------------------

    def _send(self, chain: ChainHandle, fn: ContractFunction | None, label: str) -> TxReceipt | None:
        return None if fn is None else chain.tx.send(fn, label=label)

    def commit(self) -> None:
        """Commit every ledger block a chain does not hold yet (each chain from its own counter)."""
        last = self.ledger.last_block
        for c in self.chains.values():
            after = c.counter("lastCommittedBlock")
            if after >= last:
                continue
            if c is self.primary:
                self._send(c, stages.commit_primary(c.rollup, self.ledger, after, last), "commit")
            else:
                self._send(c, stages.commit_secondary(c.rollup, self.ledger, c.id, after, last), "commit")

    def proof(self, number: int) -> Proof:
        """A proof of block `number` (the sequencer overrides this to keep proofs across restarts)."""
        return self.prover.prove(self.ledger.block(number))

    def prove(self, max_blocks: int | None = None) -> None:
        """Prove committed, unproven blocks on the primary (at most `max_blocks`), all in one call."""
        p = self.primary
        first, last = p.counter("lastProvenBlock") + 1, p.counter("lastCommittedBlock")
        if max_blocks is not None:
            last = min(last, first + max_blocks - 1)
        proofs = {n: self.proof(n) for n in range(first, last + 1)}
        if proofs:
            self._send(p, stages.prove(p.rollup, self.ledger, proofs), f"prove {len(proofs)}")

    def report_needs(self) -> dict[int, int]:
        """Secondary -> the block whose report the primary needs to synchronize its proven block: the
        secondary's last block at or below it, for every secondary with news since its last confirmation."""
        p = self.primary
        proven = p.counter("lastProvenBlock")
        if proven <= p.counter("lastSynchronizedBlock"):
            return {}
        expected = self.ledger.sync_hashes(proven)
        return {
            c.id: self.ledger.report_block(c.id, proven)
            for c in self.chains.values()
            if c is not p and expected[c.id - 1] != bytes(p.rollup.functions.confirmedSyncHash(c.id).call())
        }

    def report(self) -> None:
        """Each secondary the primary needs a report from for its proven block sends it (once: the
        contract refuses a block at or below the last reported one)."""
        for chain_id, block in self.report_needs().items():
            c = self.chains[chain_id]
            f = c.rollup.functions
            if block > max(c.counter("lastSynchronizedBlock"), int(f.lastReportedBlock().call())):
                c.tx.send(f.sendSyncReport(block), label="send report")

    def sync_target(self, max_lookups: int = 16) -> int | None:
        """The highest block in (synchronized, proven] on the primary for which it holds every report it
        needs, each equal to the S_c the ledger derived (a report that differs would only make the call
        revert); None if there is none. Reports that arrived for a lower block are not wasted while the
        report for the proven block is still travelling. Reads at most `max_lookups` reports: a long
        backlog costs no more per call (at worst the search stops short and the proven block's own report
        decides, as it always did)."""
        p = self.primary
        synchronized, proven = p.counter("lastSynchronizedBlock"), p.counter("lastProvenBlock")
        if proven <= synchronized:
            return None
        f = p.rollup.functions
        secondaries = [c.id for c in self.chains.values() if c is not p]
        confirmed = {c: bytes(f.confirmedSyncHash(c).call()) for c in secondaries}
        held: dict[tuple[int, int], bytes] = {}  # (chain, block) -> the report the primary holds

        def lacking(n: int) -> int | None:
            """The block of a report that block n needs and the primary lacks; None if it holds them all."""
            expected = self.ledger.sync_hashes(n)
            for c in secondaries:
                if expected[c - 1] == confirmed[c]:
                    continue  # nothing new for c up to n
                m = self.ledger.report_block(c, n)
                if (c, m) not in held:
                    held[(c, m)] = bytes(f.syncReports(c, m).call())
                if held[(c, m)] != expected[c - 1]:
                    return m
            return None

        n = proven
        while n > synchronized and len(held) < max_lookups:
            m = lacking(n)
            if m is None:
                return n
            # c has no block in (m, n]: every block from m up to n needs this same report, and lacks it
            n = m - 1
        return None

    def relay(self) -> int:
        """Deliver every message a rollup contract of this deployment sent since the last call that is not
        delivered yet; returns how many. Anything else sent through a messenger is not the round's
        business (a stranger's message would be refused on delivery and stall the round)."""
        by_evm_id = {c.config.evm_chain_id: c for c in self.chains.values()}
        rollups = {c.rollup.address.lower() for c in self.chains.values()}
        count = 0
        for source in self.chains.values():
            head = int(source.w3.eth.block_number)
            if head < source.message_cursor:
                continue
            messages = sent_messages(
                source.messenger, source.config.evm_chain_id, source.message_cursor, head
            )
            source.message_cursor = head + 1
            for message in messages:
                dest = by_evm_id.get(message.destination_chain_id)
                if dest is None or message.sender.lower() not in rollups:
                    continue
                if dest.messenger.functions.delivered(message.source_chain_id, message.nonce).call():
                    continue
                kind = {REPORT: "deliver report", CONFIRMATION: "deliver confirmation"}.get(
                    message.payload[0], "deliver"
                )
                dest.tx.send(delivery(dest.messenger, message, self.validators), label=kind)
                count += 1
        return count

    def synchronize(self) -> None:
        """Synchronize the primary up to the highest proven block whose reports all arrived (`sync_target`),
        not only up to its proven block: a report still travelling for that one delays nothing below it."""
        p, target = self.primary, self.sync_target()
        if target is not None:
            self._send(p, stages.synchronize(p.rollup, self.ledger, target), "synchronize")

    def execute(self) -> None:
        """Execute on every chain its blocks up to its synchronized block."""
        for c in self.chains.values():
            after, up_to = c.counter("lastExecutedBlock"), c.counter("lastSynchronizedBlock")
            if up_to > after:
                self._send(c, stages.execute(c.rollup, self.ledger, c.id, after, up_to), "execute")

    def settle(self) -> None:
        """Every stage once, in order: the ledger's blocks end executed on every chain."""
        self.commit()
        self.prove()
        self.report()
        self.relay()
        self.synchronize()
        self.relay()
        self.execute()
