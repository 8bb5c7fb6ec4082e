"""Deploy the project's contracts to every chain of the devnet and record where they are.

The deployments file (`<home>/deployments.json`) is what every later command reads: per chain its EVM and
rollup chain ids, RPC URL, deploy block and contract addresses. The contracts are the devnet's
TEST-ONLY ERC-20 tokens, the messenger, the rollup contract (primary or secondary) and, on the primary,
the Groth16 verifiers generated from the circuit profile's block and exit verifying keys.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from orchestrator.chain.addresses import (
    EXIT_VERIFIER,
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
from orchestrator.chain.sender import Sender
from orchestrator.config import ChainConfig, DeploymentConfig
from orchestrator.contracts.compiler import ContractArtifact, compile_contracts
from orchestrator.l2.params import get_profile
from orchestrator.l2.state import L2State
from orchestrator.prover.groth16 import VerifyingKey
from orchestrator.prover.solidity_verifier import generate_verifier

WIRING_GAS = 200_000
DEPLOY_GAS = 8_000_000
"""Gas limits of wiring calls and deployments. They are sent without waiting, so they are not estimated:
an estimate races the previous transaction's block, and anvil with --prune-history answers an estimate
against a block it has just pruned with BlockOutOfRangeError (seen in the gas benchmark)."""


def deploy_all(
    config: DeploymentConfig, home: Path, verifying_key: VerifyingKey, exit_verifying_key: VerifyingKey
) -> Deployments:
    """Deploy and wire every chain, then write the deployments file; nothing is written if a chain fails.

    Per chain: its test tokens, an AttestedMessenger and its rollup contract (the primary also gets the
    Groth16 verifier generated from `verifying_key`, and the exit verifier from `exit_verifying_key`, which
    its rollup takes at construction); then tokens are mapped, peers registered both ways and the verifier
    set.
    """
    artifacts = compile_contracts(
        extra_sources={
            f"generated/{VERIFIER}.sol": generate_verifier(verifying_key),
            f"generated/{EXIT_VERIFIER}.sol": generate_verifier(exit_verifying_key, EXIT_VERIFIER),
        }
    )
    senders = {c.name: Sender(connect(c), c.name, config.keys.deployer) for c in config.chains}
    chains = {c.name: _deploy_chain(config, c, senders[c.name], artifacts) for c in config.chains}
    _wire(config, chains, senders, artifacts)
    deployments = Deployments(str(config.path), time.time(), chains)
    deployments.write(deployments_path(home))
    return deployments


def _rollup_constructor(
    config: DeploymentConfig, chain: ChainConfig, contracts: dict[str, DeployedContract]
) -> tuple[str, list[Any]]:
    messenger = contracts[MESSENGER].address
    profile = get_profile(config.rollup.profile)
    genesis_root = L2State(profile).root.to_bytes(32, "big")
    operator = Account.from_key(config.keys.operator).address
    params = (
        chain.rollup_chain_id,
        profile.depth,
        config.rollup.priority_expiration_seconds,
        operator,
        messenger,
        genesis_root,
    )
    if chain.is_primary:
        exit_verifier = contracts[EXIT_VERIFIER].address
        return "PrimaryRollup", [params, len(config.chains), profile.n_op, profile.n_tx, exit_verifier]
    return "SecondaryRollup", [params, config.primary.rollup_chain_id, profile.n_op]


def _deploy_chain(
    config: DeploymentConfig, chain: ChainConfig, sender: Sender, artifacts: dict[str, ContractArtifact]
) -> ChainDeployment:
    validators = [Account.from_key(k).address for k in config.keys.validators]
    pending: dict[str, str] = {}
    for symbol in chain.tokens:
        token = config.token(symbol)
        pending[token_contract_key(symbol)] = _submit(
            sender, artifacts["TestToken"], [token.name, token.symbol, token.decimals]
        )
    pending[MESSENGER] = _submit(sender, artifacts[MESSENGER], [validators, config.keys.validator_threshold])
    if chain.is_primary:
        pending[VERIFIER] = _submit(sender, artifacts[VERIFIER], [])
        pending[EXIT_VERIFIER] = _submit(sender, artifacts[EXIT_VERIFIER], [])
    contracts = {key: _deployed(sender, key, tx_hash) for key, tx_hash in pending.items()}
    name, args = _rollup_constructor(config, chain, contracts)
    contracts[ROLLUP] = _deployed(sender, ROLLUP, _submit(sender, artifacts[name], args))
    deploy_block = min(c.block for c in contracts.values())
    return ChainDeployment(
        chain.name,
        chain.role.value,
        chain.evm_chain_id,
        chain.rollup_chain_id,
        chain.rpc_url,
        sender.address,
        deploy_block,
        contracts,
    )


def _submit(sender: Sender, artifact: ContractArtifact, args: list[Any]) -> str:
    contract = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    return sender.submit(contract.constructor(*args), gas=DEPLOY_GAS, label=f"deploying {artifact.name}")


def _deployed(sender: Sender, key: str, tx_hash: str) -> DeployedContract:
    receipt = sender.wait(tx_hash)
    return DeployedContract(key, str(receipt["contractAddress"]), int(receipt["blockNumber"]), tx_hash)


def _wire(
    config: DeploymentConfig,
    chains: dict[str, ChainDeployment],
    senders: dict[str, Sender],
    artifacts: dict[str, ContractArtifact],
) -> None:
    """Map tokens, register peers both ways (primary <-> each secondary) and set the verifier."""
    primary = chains[config.primary.name]
    pending: list[tuple[Sender, str]] = []
    for chain in config.chains:
        sender, deployed = senders[chain.name], chains[chain.name]
        abi = artifacts["PrimaryRollup" if chain.is_primary else "SecondaryRollup"].abi
        rollup = sender.w3.eth.contract(
            address=Web3.to_checksum_address(deployed.contracts[ROLLUP].address), abi=abi
        )
        calls = [
            rollup.functions.registerToken(
                config.token(s).l2_token_id,
                Web3.to_checksum_address(deployed.contracts[token_contract_key(s)].address),
            )
            for s in chain.tokens
        ]
        peers = [chains[c.name] for c in config.secondaries] if chain.is_primary else [primary]
        calls += [
            rollup.functions.setPeer(
                p.rollup_chain_id, p.evm_chain_id, Web3.to_checksum_address(p.contracts[ROLLUP].address)
            )
            for p in peers
        ]
        if chain.is_primary:
            calls.append(
                rollup.functions.setVerifier(Web3.to_checksum_address(deployed.contracts[VERIFIER].address))
            )
        pending += [(sender, sender.submit(fn, gas=WIRING_GAS)) for fn in calls]
    for sender, tx_hash in pending:
        sender.wait(tx_hash)
