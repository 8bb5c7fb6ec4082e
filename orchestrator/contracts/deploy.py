"""Deploy the project's contracts to every chain of the devnet and record where they are.

The deployments file (`<home>/deployments.json`) is what every later command reads: per chain its EVM and
rollup chain ids, RPC URL, deploy block and contract addresses. The contracts are the devnet's
TEST-ONLY ERC-20 tokens, the messenger, the rollup contract (primary or secondary) and, on the primary,
the Groth16 verifier generated from the circuit profile's verifying key.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.types import Nonce, TxParams

from orchestrator.chain.addresses import (
    MESSENGER,
    ROLLUP,
    VERIFIER,
    ChainDeployment,
    DeployedContract,
    Deployments,
    deployments_path,
    token_contract_key,
)
from orchestrator.chain.connect import connect
from orchestrator.config import ChainConfig, DevnetConfig
from orchestrator.contracts.compiler import ContractArtifact, compile_contracts
from orchestrator.errors import DeployError
from orchestrator.l2.params import get_profile
from orchestrator.l2.state import L2State
from orchestrator.prover.groth16 import VerifyingKey
from orchestrator.prover.solidity_verifier import generate_verifier

RECEIPT_TIMEOUT_S = 60.0
WIRING_GAS = 200_000
DEPLOY_GAS = 8_000_000
"""Gas limits of wiring calls and deployments. They are sent without waiting, so they are not estimated:
an estimate races the previous transaction's block, and anvil with --prune-history answers an estimate
against a block it has just pruned with BlockOutOfRangeError (seen in the gas benchmark)."""


def deploy_all(config: DevnetConfig, home: Path, verifying_key: VerifyingKey) -> Deployments:
    """Deploy and wire every chain, then write the deployments file; nothing is written if a chain fails.

    Per chain: its test tokens, an AttestedMessenger and its rollup contract (the primary also gets the
    Groth16 verifier generated from `verifying_key`); then tokens are mapped, peers registered both ways
    and the verifier set.
    """
    artifacts = compile_contracts(
        extra_sources={f"generated/{VERIFIER}.sol": generate_verifier(verifying_key)}
    )
    deployer: LocalAccount = Account.from_key(config.keys.deployer)
    senders = {c.name: _Sender(connect(c), c, deployer) for c in config.chains}
    chains = {c.name: _deploy_chain(config, c, senders[c.name], artifacts) for c in config.chains}
    _wire(config, chains, senders, artifacts)
    deployments = Deployments(str(config.path), time.time(), chains)
    deployments.write(deployments_path(home))
    return deployments


def _rollup_constructor(config: DevnetConfig, chain: ChainConfig, messenger: str) -> tuple[str, list[Any]]:
    profile = get_profile(config.rollup.profile)
    genesis_root = L2State(profile).root.to_bytes(32, "big")
    operator = Account.from_key(config.keys.operator).address
    params = (chain.rollup_chain_id, profile.depth, config.rollup.priority_expiration_blocks, operator,
              messenger, genesis_root)  # fmt: skip
    if chain.is_primary:
        return "PrimaryRollup", [params, len(config.chains), profile.n_op, profile.n_tx]
    return "SecondaryRollup", [params, config.primary.rollup_chain_id, profile.n_op]


def _deploy_chain(
    config: DevnetConfig, chain: ChainConfig, sender: _Sender, artifacts: dict[str, ContractArtifact]
) -> ChainDeployment:
    validators = [Account.from_key(k).address for k in config.keys.validators]
    pending: dict[str, str] = {}
    for symbol in chain.tokens:
        token = config.token(symbol)
        pending[token_contract_key(symbol)] = sender.deploy(
            artifacts["TestToken"], [token.name, token.symbol, token.decimals]
        )
    pending[MESSENGER] = sender.deploy(artifacts[MESSENGER], [validators, config.keys.validator_threshold])
    if chain.is_primary:
        pending[VERIFIER] = sender.deploy(artifacts[VERIFIER], [])
    contracts = {key: _deployed(sender, key, tx_hash) for key, tx_hash in pending.items()}
    name, args = _rollup_constructor(config, chain, contracts[MESSENGER].address)
    contracts[ROLLUP] = _deployed(sender, ROLLUP, sender.deploy(artifacts[name], args))
    deploy_block = min(c.block for c in contracts.values())
    return ChainDeployment(
        chain.name, chain.role.value, chain.evm_chain_id, chain.rollup_chain_id, chain.rpc_url,
        sender.account.address, deploy_block, contracts,
    )  # fmt: skip


def _deployed(sender: _Sender, key: str, tx_hash: str) -> DeployedContract:
    receipt = sender.wait(tx_hash)
    return DeployedContract(key, str(receipt["contractAddress"]), int(receipt["blockNumber"]), tx_hash)


def _wire(
    config: DevnetConfig,
    chains: dict[str, ChainDeployment],
    senders: dict[str, _Sender],
    artifacts: dict[str, ContractArtifact],
) -> None:
    """Map tokens, register peers both ways (primary <-> each secondary) and set the verifier."""
    primary = chains[config.primary.name]
    pending: list[tuple[_Sender, str]] = []
    for chain in config.chains:
        sender, deployed = senders[chain.name], chains[chain.name]
        abi = artifacts["PrimaryRollup" if chain.is_primary else "SecondaryRollup"].abi
        rollup = sender.w3.eth.contract(
            address=Web3.to_checksum_address(deployed.contracts[ROLLUP].address), abi=abi
        )
        calls = [rollup.functions.registerToken(config.token(s).l2_token_id,
                                                Web3.to_checksum_address(deployed.contracts[token_contract_key(s)].address))
                 for s in chain.tokens]  # fmt: skip
        peers = [chains[c.name] for c in config.secondaries] if chain.is_primary else [primary]
        calls += [rollup.functions.setPeer(p.rollup_chain_id, p.evm_chain_id,
                                           Web3.to_checksum_address(p.contracts[ROLLUP].address))
                  for p in peers]  # fmt: skip
        if chain.is_primary:
            calls.append(
                rollup.functions.setVerifier(Web3.to_checksum_address(deployed.contracts[VERIFIER].address))
            )
        pending += [(sender, sender.call(fn)) for fn in calls]
    for sender, tx_hash in pending:
        sender.wait(tx_hash)


class _Sender:
    """Signs and sends one account's transactions with locally tracked nonces (no wait between sends)."""

    def __init__(self, w3: Web3, chain: ChainConfig, account: LocalAccount) -> None:
        self.w3, self.chain, self.account = w3, chain, account
        self.nonce = int(w3.eth.get_transaction_count(account.address, "pending"))

    def deploy(self, artifact: ContractArtifact, args: list[Any]) -> str:
        contract = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = contract.constructor(*args).build_transaction(
            {"from": self.account.address, "nonce": self.nonce, "chainId": self.chain.evm_chain_id,
             "gas": DEPLOY_GAS}
        )  # fmt: skip
        return self._send(tx, f"deploying {artifact.name}")

    def _send(self, tx: Any, what: str) -> str:
        signed = self.account.sign_transaction(tx)
        try:
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except (OSError, Web3Exception) as exc:
            raise DeployError(f"chain {self.chain.name!r}: {what} failed: {exc}") from None
        self.nonce += 1
        return "0x" + bytes(tx_hash).hex()

    def call(self, fn: ContractFunction) -> str:
        params: TxParams = {"from": self.account.address, "nonce": Nonce(self.nonce),
                            "chainId": self.chain.evm_chain_id, "gas": WIRING_GAS}  # fmt: skip
        tx = fn.build_transaction(params)
        return self._send(tx, fn.fn_name)

    def wait(self, tx_hash: str) -> Any:
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                HexStr(tx_hash), timeout=RECEIPT_TIMEOUT_S, poll_latency=0.05
            )
        except (OSError, Web3Exception) as exc:
            raise DeployError(f"chain {self.chain.name!r}: no receipt for {tx_hash}: {exc}") from None
        if receipt["status"] != 1:
            raise DeployError(f"chain {self.chain.name!r}: deployment {tx_hash} reverted")
        return receipt
