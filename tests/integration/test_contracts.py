"""Solidity build (solc-js, cached by input hash) and deployment to every chain of a live devnet."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from orchestrator.chain.addresses import (
    MESSENGER,
    ROLLUP,
    VERIFIER,
    Deployments,
    read_deployments,
    token_contract_key,
)
from orchestrator.chain.connect import connect
from orchestrator.chain.deploy import deploy_all
from orchestrator.config import ChainConfig, DeploymentConfig
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.errors import CompileError, DeployError
from orchestrator.paths import cache_dir, cast_binary
from orchestrator.prover.profiles import BlockProver, exit_profile_keys
from tests.helpers import assert_one_error_line, run_rollup

pytestmark = pytest.mark.integration


def test_compile_is_cached_by_input_hash(tmp_path: Path) -> None:
    src = tmp_path / "contracts"
    src.mkdir()
    (src / "Probe.sol").write_text(
        f"// SPDX-License-Identifier: GPL-3.0-or-later\npragma solidity 0.8.37;\n"
        f"contract Probe {{ function tag() external pure returns (uint256) {{ return {time.time_ns()}; }} }}"
    )
    before = set((cache_dir() / "contracts").glob("*.json"))
    first = compile_contracts(src)["Probe"]
    created = set((cache_dir() / "contracts").glob("*.json")) - before
    assert len(created) == 1 and first.bytecode.startswith("0x60") and first.abi[0]["name"] == "tag"
    started = time.monotonic()
    second = compile_contracts(src)["Probe"]
    assert time.monotonic() - started < 0.5, "second compile of unchanged sources did not hit the cache"
    assert second == first
    for path in created:
        path.unlink()


def test_compile_errors_name_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "contracts"
    src.mkdir()
    (src / "Broken.sol").write_text("pragma solidity 0.8.37;\ncontract Broken {\n  uint x = ;\n}\n")
    with pytest.raises(CompileError, match=r"contracts/Broken.sol:3: Expected primary expression"):
        compile_contracts(src)


def test_deploy_puts_code_on_every_chain(
    config: DeploymentConfig, home: Path, test_prover: BlockProver
) -> None:
    with LocalNodes(config, home):
        _, exit_keys = exit_profile_keys(config.rollup.circuit.circuit)
        deployments = deploy_all(config, home, test_prover.keys.verifying_key, exit_keys.verifying_key)
        on_disk = json.loads((home / "deployments.json").read_text())
        assert set(on_disk["chains"]) == {c.name for c in config.chains}
        assert read_deployments(home) == deployments
        for chain in config.chains:
            deployed = deployments.chains[chain.name]
            assert deployed.evm_chain_id == chain.evm_chain_id
            assert deployed.rollup_chain_id == chain.rollup_chain_id
            w3 = connect(chain)
            token = deployed.contracts[token_contract_key("USDC")]
            assert token.block >= deployed.deploy_block >= 1
            address = Web3.to_checksum_address(token.address)
            assert len(w3.eth.get_code(address)) > 100
            erc20 = w3.eth.contract(address=address, abi=compile_contracts()["TestToken"].abi)
            assert erc20.functions.symbol().call() == "USDC"
            assert erc20.functions.decimals().call() == 6
            _assert_wired(config, deployments, chain)
            _assert_callable_without_this_package(home, chain)


def _assert_callable_without_this_package(home: Path, chain: ChainConfig) -> None:
    """The ABIs beside the deployments file are enough: plain web3 and Foundry's cast call the rollup."""
    folder = home / "deployments" / f"chain-{chain.evm_chain_id}"
    addresses = json.loads((folder / "deployed_addresses.json").read_text())
    rollup = json.loads((folder / "artifacts" / "Rollup.json").read_text())
    assert rollup["address"] == addresses["Rollup"] and rollup["proxy"] is True
    assert rollup["contractName"] == ("PrimaryRollup" if chain.is_primary else "SecondaryRollup")
    usdc = json.loads((folder / "artifacts" / "TestToken_USDC.json").read_text())
    assert usdc["address"] == addresses["TestToken:USDC"] and usdc["proxy"] is False
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
    contract = w3.eth.contract(address=Web3.to_checksum_address(rollup["address"]), abi=rollup["abi"])
    assert contract.functions.rollupChainId().call() == chain.rollup_chain_id
    cast = [cast_binary(), "call", "--rpc-url", chain.rpc_url, usdc["address"], "symbol()(string)"]
    assert subprocess.run(cast, capture_output=True, text=True, check=True).stdout.strip() == '"USDC"'


def _assert_wired(config: DeploymentConfig, deployments: Deployments, chain: ChainConfig) -> None:
    """Tokens mapped, peers registered both ways, verifier set, messenger and operator as configured."""
    artifacts = compile_contracts()
    deployed = deployments.chains[chain.name].contracts
    w3 = connect(chain)
    name = "PrimaryRollup" if chain.is_primary else "SecondaryRollup"
    rollup = w3.eth.contract(
        address=Web3.to_checksum_address(deployed[ROLLUP].address), abi=artifacts[name].abi
    )
    f = rollup.functions
    assert f.rollupChainId().call() == chain.rollup_chain_id
    assert f.messenger().call() == Web3.to_checksum_address(deployed[MESSENGER].address)
    assert f.operator().call() == Account.from_key(config.keys.operator).address
    usdc = Web3.to_checksum_address(deployed[token_contract_key("USDC")].address)
    assert f.tokenIdOf(usdc).call() == config.token("USDC").l2_token_id
    peers = config.secondaries if chain.is_primary else (config.primary,)
    for peer in peers:
        address = deployments.chains[peer.name].contracts[ROLLUP].address
        assert f.peers(peer.rollup_chain_id).call() == [peer.evm_chain_id, Web3.to_checksum_address(address)]
    if chain.is_primary:
        assert f.verifier().call() == Web3.to_checksum_address(deployed[VERIFIER].address)
        assert f.chainCount().call() == len(config.chains)


def test_deploy_refuses_a_node_with_the_wrong_chain_id(config: DeploymentConfig, home: Path) -> None:
    with LocalNodes(config, home):
        first, second = config.chains[0], config.chains[1]
        swapped = type(first)(**{**first.__dict__, "port": second.port})  # chain A's id, chain B's node
        with pytest.raises(DeployError, match=f"reports chain id {second.evm_chain_id}"):
            connect(swapped)


def test_cli_deploy_without_devnet_is_one_error_line(devnet_file: Path, home: Path) -> None:
    result = run_rollup("deploy", config=devnet_file, home=home)
    assert_one_error_line(result, "chain 'alpha'", "is not reachable")
