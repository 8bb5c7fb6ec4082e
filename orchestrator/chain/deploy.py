"""Deploy the project's contracts to every chain of the devnet and record where they are.

The deployments file (`<home>/deployments.json`) is what every later command reads: per chain its EVM and
rollup chain ids, RPC URL, deploy block and contract addresses. The contracts are the devnet's
TEST-ONLY ERC-20 tokens, a TimelockController, the messenger and the rollup contract (primary or
secondary) behind ERC-1967 proxies that the timelock owns, and, on the primary, the exits module and the
Groth16 verifiers generated from the circuit profile's block and exit verifying keys (docs/security.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from orchestrator.chain.abis import write_abis
from orchestrator.chain.addresses import (
    DATA_COMMITTEE,
    EXIT_VERIFIER,
    EXITS,
    MESSENGER,
    MESSENGER_IMPLEMENTATION,
    ROLLUP,
    ROLLUP_IMPLEMENTATION,
    TIMELOCK,
    VERIFIER,
    ChainDeployment,
    DeployedContract,
    Deployments,
    deployments_path,
    token_contract_key,
)
from orchestrator.chain.connect import connect
from orchestrator.chain.governance import TimelockCall, create_address, setup_batch, submit_setup
from orchestrator.chain.sender import Sender
from orchestrator.config import ChainConfig, DeploymentConfig
from orchestrator.contracts.compiler import ContractArtifact, compile_contracts
from orchestrator.errors import DeployError
from orchestrator.l2.state import L2State
from orchestrator.prover.groth16 import VerifyingKey
from orchestrator.prover.solidity_verifier import generate_verifier

DEPLOY_GAS = 8_000_000
"""Gas limit of deployments. They are sent without waiting, so they are not estimated:
an estimate races the previous transaction's block, and anvil with --prune-history answers an estimate
against a block it has just pruned with BlockOutOfRangeError (seen in the gas benchmark)."""


PROXY = "ERC1967Proxy"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def deploy_artifacts(
    verifying_key: VerifyingKey, exit_verifying_key: VerifyingKey
) -> dict[str, ContractArtifact]:
    """Every contract a deployment needs, with the verifiers generated from a profile's keys (cached)."""
    return compile_contracts(
        extra_sources={
            f"generated/{VERIFIER}.sol": generate_verifier(verifying_key),
            f"generated/{EXIT_VERIFIER}.sol": generate_verifier(exit_verifying_key, EXIT_VERIFIER),
        }
    )


def deploy_all(
    config: DeploymentConfig, home: Path, verifying_key: VerifyingKey, exit_verifying_key: VerifyingKey
) -> Deployments:
    """Deploy and wire every chain, then write the deployments file; nothing is written if a chain fails.

    Per chain: its test tokens, a TimelockController, the messenger and the rollup behind proxies (the
    primary also gets the Groth16 verifier generated from `verifying_key`, and the exits module with the
    exit verifier from `exit_verifying_key`). Then each chain's timelock runs one set-up batch: tokens
    mapped, peers registered both ways, the verifier set, its roles handed to the governor, its delay set.
    """
    artifacts = deploy_artifacts(verifying_key, exit_verifying_key)
    senders = {c.name: Sender(connect(c), c.name, config.keys.deployer) for c in config.chains}
    chains = {c.name: _deploy_chain(config, c, senders[c.name], artifacts) for c in config.chains}
    _set_up(config, chains, senders, artifacts)
    deployments = Deployments(str(config.path), time.time(), chains)
    deployments.write(deployments_path(home))
    write_abis(home, deployments, artifacts, {c.name: rollup_contract_name(config, c) for c in config.chains})
    return deployments


def _rollup_params(config: DeploymentConfig, chain: ChainConfig, messenger: str) -> tuple[Any, ...]:
    profile = config.rollup.circuit
    return (
        chain.rollup_chain_id,
        profile.depth,
        config.rollup.priority_expiration_seconds,
        config.rollup.pause_seconds,
        config.native_token_id(chain),
        messenger,
    )


def _deploy_chain(
    config: DeploymentConfig, chain: ChainConfig, sender: Sender, artifacts: dict[str, ContractArtifact]
) -> ChainDeployment:
    pending: dict[str, str] = {}
    for symbol in chain.tokens:
        token = config.token(symbol)
        pending[token_contract_key(symbol)] = _submit(
            sender, artifacts["TestToken"], [token.name, token.symbol, token.decimals]
        )
    if chain.is_primary:
        pending[VERIFIER] = _submit(sender, artifacts[VERIFIER], [])
        pending[EXIT_VERIFIER] = _submit(sender, artifacts[EXIT_VERIFIER], [])
    # No delay and the deployer as its only proposer and executor, until the set-up batch (_set_up).
    timelock_args = [0, [sender.address], [sender.address], ZERO_ADDRESS]
    pending[TIMELOCK] = _submit(sender, artifacts[TIMELOCK], timelock_args)
    pending[MESSENGER_IMPLEMENTATION] = _submit(sender, artifacts[MESSENGER], [])
    contracts = {key: _deployed(sender, key, tx_hash) for key, tx_hash in pending.items()}
    contracts.update(_deploy_proxies(config, chain, sender, artifacts, contracts))
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


def _deploy_proxies(
    config: DeploymentConfig,
    chain: ChainConfig,
    sender: Sender,
    artifacts: dict[str, ContractArtifact],
    deployed: dict[str, DeployedContract],
) -> dict[str, DeployedContract]:
    """The rollup's implementation (and the primary's exits module) and both proxies, at nonces known
    in advance: each is built with the others' addresses (the rollup's domain binds its proxy, the
    messenger is frozen by its rollup's exodus), and a wrong guess fails the deployment."""
    committee = config.committee if chain.is_primary else None
    keys = ([EXITS] if chain.is_primary else []) + ([DATA_COMMITTEE] if committee else [])
    keys += [ROLLUP_IMPLEMENTATION, MESSENGER, ROLLUP]
    base = sender.next_nonce()
    at = {key: create_address(sender.address, base + i) for i, key in enumerate(keys)}
    timelock = deployed[TIMELOCK].address
    params = _rollup_params(config, chain, at[MESSENGER])
    profile = config.rollup.circuit
    plan: list[tuple[str, ContractArtifact, list[Any]]] = []
    if chain.is_primary:
        plan.append((EXITS, artifacts[EXITS], [params, deployed[EXIT_VERIFIER].address]))
    if committee is not None:  # owned by the timelock from the start: no member change skips the delay
        members = [committee.addresses, committee.threshold]
        plan.append((DATA_COMMITTEE, artifacts[DATA_COMMITTEE], [timelock, *members]))
    name, rollup_args = rollup_implementation(
        config, chain, at[MESSENGER], at.get(EXITS, ""), at[ROLLUP], at.get(DATA_COMMITTEE, "")
    )
    plan.append((ROLLUP_IMPLEMENTATION, artifacts[name], rollup_args))
    validators = [Account.from_key(k).address for k in config.keys.validators]
    messenger_init = _encoded(
        sender.w3,
        artifacts[MESSENGER],
        "initialize",
        [validators, config.keys.validator_threshold, timelock, at[ROLLUP]],
    )
    plan.append((MESSENGER, artifacts[PROXY], [deployed[MESSENGER_IMPLEMENTATION].address, messenger_init]))
    genesis_root = L2State(profile).root.to_bytes(32, "big")
    operator = Account.from_key(config.keys.operator).address
    guardian = Account.from_key(config.keys.guardian).address
    rollup_init = _encoded(sender.w3, plan[-2][1], "initialize", [timelock, operator, guardian, genesis_root])
    plan.append((ROLLUP, artifacts[PROXY], [at[ROLLUP_IMPLEMENTATION], rollup_init]))
    hashes = [(key, _submit(sender, artifact, args)) for key, artifact, args in plan]
    result = {key: _deployed(sender, key, tx_hash) for key, tx_hash in hashes}
    for key, contract in result.items():
        if Web3.to_checksum_address(contract.address) != at[key]:
            raise DeployError(
                f"{chain.name}: {key} went to {contract.address}, not {at[key]}: was another "
                "transaction sent from the deployer's account meanwhile? Deploy again."
            )
    return result


def rollup_implementation(
    config: DeploymentConfig, chain: ChainConfig, messenger: str, exits: str, proxy: str, committee: str = ""
) -> tuple[str, list[Any]]:
    """The contract and constructor arguments of `chain`'s rollup implementation, for the proxy at `proxy`
    (a new deployment's, or a live one's when it is upgraded); a Validium primary's checks `committee`."""
    params = _rollup_params(config, chain, messenger)
    profile = config.rollup.circuit
    name = rollup_contract_name(config, chain)
    if chain.is_primary:
        args = [params, len(config.chains), profile.n_op, profile.n_tx, exits, proxy]
        return name, [*args, committee] if profile.validium else args
    return name, [params, config.primary.rollup_chain_id, profile.n_op]


def rollup_contract_name(config: DeploymentConfig, chain: ChainConfig) -> str:
    """The contract behind `chain`'s rollup proxy."""
    if not chain.is_primary:
        return "SecondaryRollup"
    return "ValidiumPrimaryRollup" if config.rollup.circuit.validium else "PrimaryRollup"


def deploy_behind_proxy(
    sender: Sender, artifact: ContractArtifact, constructor: Callable[[str], list[Any]], initialize: list[Any]
) -> str:
    """`artifact` behind a new ERC-1967 proxy, initialized with `initialize`; the proxy's address. The
    implementation is built with `constructor(proxy address)`, known in advance (a domain binds it)."""
    proxy = create_address(sender.address, sender.next_nonce() + 1)
    implementation = _deployed(sender, artifact.name, _submit(sender, artifact, constructor(proxy)))
    data = _encoded(sender.w3, artifact, "initialize", initialize)
    deployed = _deployed(
        sender, PROXY, _submit(sender, compile_contracts()[PROXY], [implementation.address, data])
    )
    if Web3.to_checksum_address(deployed.address) != proxy:
        raise DeployError(f"{sender.chain}: the proxy went to {deployed.address}, not {proxy}; deploy again")
    return proxy


def _encoded(w3: Web3, artifact: ContractArtifact, fn: str, args: list[Any]) -> bytes:
    data = w3.eth.contract(abi=artifact.abi).encode_abi(fn, args=args)
    return bytes.fromhex(str(data)[2:])


def _submit(sender: Sender, artifact: ContractArtifact, args: list[Any]) -> str:
    contract = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    return sender.submit(contract.constructor(*args), gas=DEPLOY_GAS, label=f"deploying {artifact.name}")


def _deployed(sender: Sender, key: str, tx_hash: str) -> DeployedContract:
    receipt = sender.wait(tx_hash)
    return DeployedContract(key, str(receipt["contractAddress"]), int(receipt["blockNumber"]), tx_hash)


def _set_up(
    config: DeploymentConfig,
    chains: dict[str, ChainDeployment],
    senders: dict[str, Sender],
    artifacts: dict[str, ContractArtifact],
) -> None:
    """Each chain's timelock maps tokens, registers peers both ways (primary <-> each secondary), sets each
    token's minimum deposit and the verifier, then hands its roles to the governor and takes its real delay:
    one batch per chain."""
    primary = chains[config.primary.name]
    pending: list[tuple[Sender, str]] = []
    governor = Account.from_key(config.keys.governor).address
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
                config.token(s).decimals,
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
        token_ids = [config.native_token_id(chain)] + [config.token(s).l2_token_id for s in chain.tokens]
        calls += [rollup.functions.setMinDeposit(t, config.min_deposit(t)) for t in token_ids]
        if chain.is_primary:
            calls.append(
                rollup.functions.setVerifier(Web3.to_checksum_address(deployed.contracts[VERIFIER].address))
            )
        timelock = sender.w3.eth.contract(
            address=Web3.to_checksum_address(deployed.contracts[TIMELOCK].address),
            abi=artifacts[TIMELOCK].abi,
        )
        batch = setup_batch(
            timelock,
            [TimelockCall.of(fn) for fn in calls],
            sender.address,
            governor,
            config.rollup.governance_delay_seconds,
        )
        pending += [(sender, tx_hash) for tx_hash in submit_setup(sender, timelock, batch)]
    for sender, tx_hash in pending:
        sender.wait(tx_hash)
