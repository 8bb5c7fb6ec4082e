"""TEST-ONLY: a deployed multi-chain rollup on throw-away anvil nodes, driven by hand one stage at a time:
what the settlement tests and the gas benchmark stand on.

The world is made of the product's own parts: the chains (orchestrator/chain), a block builder
(orchestrator/sequencer/builder.py), the stage runner (orchestrator/settlement/runner.py), the real prover,
and the relayer daemon's own code for every delivery (`Relayer.step`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.chain.addresses import Deployments
from orchestrator.chain.clients import Stage
from orchestrator.chain.deploy import deploy_all
from orchestrator.chain.handle import Chain, open_chains
from orchestrator.chain.sender import GasRecord
from orchestrator.config import DeploymentConfig, load_config
from orchestrator.dac.client import CommitteeClient, Gathered
from orchestrator.devnet.daemons import DaemonProcess
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.l2.block import Block
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import OnChainOp, PriorityOp, Transfer
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver, exit_profile_keys
from orchestrator.relayer.daemon import Relayer
from orchestrator.sequencer.builder import BlockBuilder, token_chains
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.settlement.requests import queued_requests
from orchestrator.settlement.runner import StageRunner
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import start_members
from orchestrator.testing.users import User


class ReusedProofs(BlockProver):
    """TEST-ONLY: a `BlockProver` that proves each distinct block once. A block with the same public input
    (a fresh world deployed and filled the same way, at the same timestamp) gets the same real proof again:
    the public input is all a Groth16 proof is checked against."""

    def __init__(self, prover: BlockProver) -> None:  # takes over the loaded keys instead of loading them
        self.profile, self.backend = prover.profile, prover.backend
        self.circuit, self.keys = prover.circuit, prover.keys
        self._proofs: dict[int, Proof] = {}

    def prove(self, block: Block) -> Proof:
        if block.public_input not in self._proofs:
            self._proofs[block.public_input] = super().prove(block)
        return self._proofs[block.public_input]


@dataclass
class ProverSource:
    """Proofs made on demand by the real prover, for the runner (the sequencer keeps stored ones)."""

    prover: BlockProver
    ledger: SettlementLedger

    def proof(self, number: int) -> Proof:
        return self.prover.prove(self.ledger.block(number))


@dataclass
class World:
    config: DeploymentConfig
    home: Path
    deployments: Deployments
    chains: dict[int, Chain]
    builder: BlockBuilder
    runner: StageRunner
    prover: ProverSource
    relayer: Relayer
    gas_log: list[GasRecord] = field(default_factory=list)  # every operator and relayer transaction
    committee: CommitteeClient | None = None  # Validium mode: the member daemons' client
    members: dict[str, DaemonProcess] = field(default_factory=dict)  # Validium: name -> member daemon
    _request_cursor: dict[int, int] = field(default_factory=dict)

    @property
    def primary(self) -> Chain:
        return self.runner.primary

    @property
    def ledger(self) -> SettlementLedger:
        return self.builder.ledger

    @property
    def state(self) -> L2State:
        return self.builder.state

    @property
    def domain(self) -> int:
        return self.builder.domain

    @property
    def operator(self) -> str:
        return self.config.keys.operator

    @property
    def validators(self) -> list[str]:
        """TEST-ONLY: the validators' keys that attest deliveries (the threshold's worth)."""
        return list(self.config.keys.validators[: self.config.keys.validator_threshold])

    def chain(self, rollup_chain_id: int) -> Chain:
        return self.chains[rollup_chain_id]

    # -- users' side -----------------------------------------------------------------------------------

    def deposit_eth(self, chain: Chain, user: User, amount: int) -> None:
        deposit = chain.rollup.functions.depositETH(user.pkh_bytes, user.address)
        chain.sender(user.l1_key).send(deposit, value=amount, label="deposit ETH")

    def deposit_token(self, chain: Chain, user: User, symbol: str, amount: int) -> None:
        token, sender = chain.token(symbol), chain.sender(user.l1_key)
        sender.send(token.functions.mint(user.address, amount), label="mint")
        sender.send(token.functions.approve(chain.rollup.address, amount), label="approve")
        sender.send(
            chain.rollup.functions.depositERC20(token.address, amount, user.pkh_bytes, user.address),
            label="deposit ERC-20",
        )

    def new_requests(self) -> list[PriorityOp]:
        """Priority requests queued on any chain since the last call, each chain's in serial order."""
        found: list[PriorityOp] = []
        for c in self.chains.values():
            start, head = self._request_cursor.get(c.id, c.deploy_block), int(c.w3.eth.block_number)
            if head >= start:
                found += queued_requests(c.rollup, c.id, start, head)
                self._request_cursor[c.id] = head + 1
        return found

    # -- the operator's side, one stage at a time ------------------------------------------------------

    def build_block(
        self, ops: Sequence[OnChainOp] = (), transfers: Sequence[Transfer] = (), timestamp: int | None = None
    ) -> Block:
        return self.builder.build(ops, transfers, timestamp)

    def counters(self) -> dict[str, dict[Stage, int]]:
        return {c.name: c.rollup.counters() for c in self.chains.values()}

    def make_available(self) -> dict[int, Gathered]:
        """Validium: ask the committee to hold and sign every block the ledger has no signatures for yet,
        in order, stopping at the first that gets too few; each block's round, by number."""
        rounds: dict[int, Gathered] = {}
        if self.committee is None:
            return rounds
        after = self.primary.rollup.counter(Stage.COMMITTED)
        for n in range(self.ledger.committable_up_to(after) + 1, self.ledger.last_block + 1):
            rounds[n] = gathered = self.committee.gather(n, self.ledger.block(n).l2_section)
            if gathered.signatures is None:
                break
            self.ledger.set_availability(n, gathered.signatures)
        return rounds

    def commit(self) -> None:
        self.make_available()
        self.runner.commit(self.ledger)

    def prove(self, max_blocks: int | None = None) -> None:
        self.runner.prove(self.ledger, self.prover, max_blocks)

    def report(self) -> None:
        self.runner.report(self.ledger)

    def relay(self) -> int:
        """Deliver what the messengers sent, through the relayer daemon's own round; how many."""
        return self.relayer.step()

    def synchronize(self) -> None:
        self.runner.synchronize(self.ledger)

    def execute(self) -> None:
        self.runner.execute(self.ledger)

    def settle(self) -> None:
        """Every stage once, in order: the ledger's blocks end executed on every chain."""
        self.commit()
        self.prove()
        self.report()
        self.relay()
        self.synchronize()
        self.relay()
        self.execute()


@contextmanager
def settlement_world(
    tmp: Path,
    prover: BlockProver,
    n: int = 3,
    base_chain_id: int = 950000,
    natives: Mapping[str, str] | None = None,
    committee: tuple[int, int] | None = None,
) -> Iterator[World]:
    """n chains up, everything deployed and wired, a builder, the runner and a relayer on top; all of it
    stopped afterwards. `natives`: chains whose native coin is not ETH (write_settlement_devnet).
    `committee` = (M, N): Validium mode, with N committee member daemons running (`prover` must be the
    Validium circuit's)."""
    path = write_settlement_devnet(tmp, n, base_chain_id, natives, committee)
    config = load_config(path)
    home = tmp / "home"
    with LocalNodes(config, home):
        _, exit_keys = exit_profile_keys(config.rollup.circuit.circuit)
        deployments = deploy_all(config, home, prover.keys.verifying_key, exit_keys.verifying_key)
        gas_log: list[GasRecord] = []
        chains = open_chains(config, deployments, config.keys.operator, gas_log=gas_log)
        primary = config.primary.rollup_chain_id
        domain = chains[primary].rollup.domain()
        builder = BlockBuilder(config.rollup.circuit, domain, primary, token_chains(config))
        relayer = Relayer(config, home, gas_log=gas_log)
        members = start_members(config, path, home) if config.committee else {}
        dac = config.committee
        client = CommitteeClient(dac, domain, config.keys.operator) if dac else None
        try:
            yield World(
                config,
                home,
                deployments,
                chains,
                builder,
                StageRunner(chains, primary),
                ProverSource(prover, builder.ledger),
                relayer,
                gas_log,
                client,
                members,
            )
        finally:
            relayer.store.close()
            for member in members.values():
                member.stop()
