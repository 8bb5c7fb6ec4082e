"""TEST-ONLY: a deployed multi-chain rollup on throw-away anvil nodes with a settlement driver on top:
what the settlement tests and the gas benchmark stand on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.addresses import token_contract_key
from orchestrator.config import load_config
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.contracts.deploy import deploy_all
from orchestrator.devnet.launcher import Devnet
from orchestrator.l2.block import Block
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement.driver import ChainHandle, SettlementDriver
from orchestrator.testing.devnets import write_settlement_devnet
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
class World:
    driver: SettlementDriver
    home: Path

    def chain(self, rollup_chain_id: int) -> ChainHandle:
        return self.driver.chains[rollup_chain_id]

    def token(self, chain: ChainHandle, symbol: str) -> Contract:
        deployed = self.driver.deployments.chains[chain.config.name].contracts[token_contract_key(symbol)]
        return chain.w3.eth.contract(
            address=Web3.to_checksum_address(deployed.address), abi=compile_contracts()["TestToken"].abi
        )

    def deposit_eth(self, chain: ChainHandle, user: User, amount: int) -> None:
        deposit = chain.rollup.functions.depositETH(user.pkh_bytes)
        chain.sender(user.l1_key).send(deposit, value=amount, label="deposit ETH")

    def deposit_token(self, chain: ChainHandle, user: User, symbol: str, amount: int) -> None:
        token = self.token(chain, symbol)
        chain.sender(user.l1_key).send(token.functions.mint(user.address, amount), label="mint")
        chain.sender(user.l1_key).send(token.functions.approve(chain.rollup.address, amount), label="approve")
        fn = chain.rollup.functions.depositERC20(token.address, amount, user.pkh_bytes)
        chain.sender(user.l1_key).send(fn, label="deposit ERC-20")


@contextmanager
def settlement_world(
    tmp: Path, prover: BlockProver, n: int = 3, base_chain_id: int = 950000
) -> Iterator[World]:
    """n chains up, everything deployed and wired, a driver on top; all of it stopped afterwards."""
    config = load_config(write_settlement_devnet(tmp, n, base_chain_id))
    home = tmp / "home"
    with Devnet(config, home):
        deployments = deploy_all(config, home, prover.keys.verifying_key)
        yield World(SettlementDriver(config, deployments, prover), home)
