"""A deployed multi-chain rollup on throw-away anvil nodes, with users: what the settlement tests and the
gas benchmark stand on.

TEST-ONLY: users are anvil's well-known funded accounts 5..8 (public keys, never for real value) and their
L2 keys are fixed bytes. Nothing here is for a real network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3
from web3.contract import Contract

from orchestrator.config import load_config
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.contracts.deploy import deploy_all, token_contract_key
from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.devnet.launcher import Devnet
from orchestrator.devnet.node import free_ports
from orchestrator.l2.block import Block
from orchestrator.paths import repo_root
from orchestrator.prover.groth16 import Proof
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement.driver import ChainHandle, SettlementDriver
from orchestrator.wallet.keys import Wallet

ETHER = 10**18
NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
ANVIL_USER_KEYS = {  # TEST-ONLY: anvil's default accounts 5, 6, 7, 8
    "alice": "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "bob": "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "carol": "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "dave": "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
}


User = Wallet  # a TEST-ONLY user is a wallet with fixed keys

USERS = {
    name: Wallet(name, key, PrivateKey(bytes([0x40 + i]) * 32))
    for i, (name, key) in enumerate(ANVIL_USER_KEYS.items())
}


def write_settlement_devnet(tmp: Path, n: int, base_chain_id: int) -> Path:
    """devnet/devnet.toml with n chains on free ports (USDC on chains 1-2, DAI on 1 and 3), test profile,
    the sequencer's JSON-RPC on a free port too."""
    text = (repo_root() / "devnet" / "devnet.toml").read_text()
    head = text[: text.index("[[chains]]")]
    *ports, rpc_port = free_ports(n + 1)
    head = re.sub(r"(?m)^rpc_port = .*$", f"rpc_port = {rpc_port}", head)
    chains = []
    for i, port in enumerate(ports):
        tokens = [s for s, on in (("USDC", i in (0, 1)), ("DAI", i in (0, 2))) if on]
        chains.append(
            f'[[chains]]\nname = "{NAMES[i]}"\nrole = "{"primary" if i == 0 else "secondary"}"\n'
            f"evm_chain_id = {base_chain_id + i + 1}\nrollup_chain_id = {i + 1}\nport = {port}\n"
            f"tokens = {tokens!r}\n".replace("'", '"')
        )
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "devnet.toml"
    path.write_text(re.sub(r"(?m)^profile = .*$", 'profile = "test"', head) + "\n".join(chains))
    return path


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
        chain.tx.send(
            user.l1_key, chain.rollup.functions.depositETH(user.pkh_bytes), value=amount, label="deposit ETH"
        )

    def deposit_token(self, chain: ChainHandle, user: User, symbol: str, amount: int) -> None:
        token = self.token(chain, symbol)
        chain.tx.send(user.l1_key, token.functions.mint(user.address, amount), label="mint")
        chain.tx.send(user.l1_key, token.functions.approve(chain.rollup.address, amount), label="approve")
        fn = chain.rollup.functions.depositERC20(token.address, amount, user.pkh_bytes)
        chain.tx.send(user.l1_key, fn, label="deposit ERC-20")


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
