"""Each deployed contract's ABI beside the deployments file, for tools other than this package.

Laid out as Hardhat Ignition lays out `ignition/deployments/chain-<id>/`, so that cast, web3.py or
ethers can call the contracts with nothing but these files:

    <home>/deployments/chain-<EVM chain id>/
        deployed_addresses.json       {"Rollup": "0x...", "AttestedMessenger": "0x...", ...}
        artifacts/<key>.json          contractName, address, abi, blockNumber, transactionHash, proxy

A key is the deployments file's (`Rollup`, `TestToken:USDC`, ...; `:` and spaces become `_` in the file
name). A proxy's ABI is its implementation's: that is the interface its address answers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from orchestrator.chain.addresses import (
    ABI_DIR,
    MESSENGER,
    MESSENGER_IMPLEMENTATION,
    ROLLUP,
    ROLLUP_IMPLEMENTATION,
    ChainDeployment,
    Deployments,
)
from orchestrator.contracts.compiler import ContractArtifact

PROXIES = {ROLLUP, MESSENGER}


def abi_dir(home: Path) -> Path:
    return home / ABI_DIR


def artifact_file_name(key: str) -> str:
    return key.replace(":", "_").replace(" ", "_") + ".json"


def write_abis(
    home: Path, deployments: Deployments, artifacts: dict[str, ContractArtifact], rollup_names: dict[str, str]
) -> Path:
    """Write every chain's folder (replacing the last deployment's); `rollup_names` gives each chain's
    rollup contract (PrimaryRollup, ValidiumPrimaryRollup or SecondaryRollup) by chain name."""
    target = abi_dir(home)
    staging = home / (ABI_DIR + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for chain in deployments.chains.values():
        _write_chain(staging / f"chain-{chain.evm_chain_id}", chain, artifacts, rollup_names[chain.name])
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _write_chain(
    folder: Path, chain: ChainDeployment, artifacts: dict[str, ContractArtifact], rollup: str
) -> None:
    (folder / "artifacts").mkdir(parents=True)
    addresses: dict[str, str] = {}
    for key, deployed in chain.contracts.items():
        name = _contract_name(key, rollup)
        artifact = artifacts[name]
        entry: dict[str, Any] = {
            "contractName": name,
            "sourceName": artifact.source,
            "address": deployed.address,
            "abi": artifact.abi,
            "blockNumber": deployed.block,
            "transactionHash": deployed.tx_hash,
            "proxy": key in PROXIES,  # ERC-1967: the address runs the implementation's code
        }
        (folder / "artifacts" / artifact_file_name(key)).write_text(json.dumps(entry, indent=2) + "\n")
        addresses[key] = deployed.address
    (folder / "deployed_addresses.json").write_text(json.dumps(addresses, indent=2) + "\n")


def _contract_name(key: str, rollup: str) -> str:
    if key in (ROLLUP, ROLLUP_IMPLEMENTATION):
        return rollup
    if key in (MESSENGER, MESSENGER_IMPLEMENTATION):
        return MESSENGER
    return key.split(":", 1)[0]  # TestToken:USDC -> TestToken; the others are their contract's name
