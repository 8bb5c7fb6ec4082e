"""Contract test helpers on live nodes: deploy, transact, and assert a revert by its custom error name."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.types import Wei

from orchestrator.chain.deploy import deploy_behind_proxy
from orchestrator.chain.sender import Sender
from orchestrator.contracts.compiler import ContractArtifact, compile_contracts
from orchestrator.contracts.reverts import decode_revert, describe_revert_data
from orchestrator.errors import ChainTxError
from orchestrator.testing.devnets import advance_time as advance_time  # re-exported for the tests


def deploy(w3: Web3, key: str, name: str, *args: Any) -> Contract:
    return deploy_artifact(w3, key, compile_contracts()[name], *args)


def deploy_artifact(w3: Web3, key: str, artifact: ContractArtifact, *args: Any) -> Contract:
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = _send(w3, key, factory.constructor(*args))
    contract: Contract = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
    return contract


def deploy_proxied(w3: Web3, key: str, name: str, constructor: list[Any], initialize: list[Any]) -> Contract:
    """Contract `name` behind an ERC-1967 proxy, as deployments run it: the implementation built with
    `constructor`, the proxy initialized with `initialize`; the contract at the proxy's address."""
    artifact = compile_contracts()[name]
    try:
        proxy = deploy_behind_proxy(
            Sender(w3, "test chain", key), artifact, lambda _: constructor, initialize
        )
    except ChainTxError as exc:
        raise AssertionError(str(exc)) from None
    contract: Contract = w3.eth.contract(address=Web3.to_checksum_address(proxy), abi=artifact.abi)
    return contract


def transact(w3: Web3, key: str, fn: ContractFunction, value: int = 0) -> Any:
    """Send `fn` from `key` and return the receipt; a revert raises AssertionError naming the error."""
    return _send(w3, key, fn, value)


def _send(w3: Web3, key: str, fn: Any, value: int = 0) -> Any:
    try:
        return Sender(w3, "test chain", key).send(fn, value=value)
    except ChainTxError as exc:
        raise AssertionError(str(exc)) from None


def describe_revert(exc: Exception) -> str:
    return describe_revert_data(getattr(exc, "data", None)) or str(exc)


def expect_revert(w3: Web3, key: str, fn: ContractFunction, error: str, value: int = 0) -> tuple[Any, ...]:
    """Assert that `fn` from `key` reverts with custom error `error`; return the error's arguments."""
    return expect_revert_as(str(Account.from_key(key).address), fn, error, value)


def expect_revert_as(sender: str, fn: ContractFunction, error: str, value: int = 0) -> tuple[Any, ...]:
    """`expect_revert` for a call from the address `sender`, whose key the test need not hold: a contract
    such as a chain's timelock (what its call would meet)."""
    try:
        fn.call({"from": Web3.to_checksum_address(sender), "value": Wei(value)})
    except (ContractCustomError, ContractLogicError) as exc:
        return _error_args(exc, error)
    raise AssertionError(f"expected revert {error}, but the call succeeded")


def expect_deploy_revert(w3: Web3, key: str, name: str, error: str, *args: Any) -> tuple[Any, ...]:
    """Assert that deploying contract `name` with `args` reverts with custom error `error`; return its
    arguments."""
    artifact = compile_contracts()[name]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    data = factory.constructor(*args).data_in_transaction
    try:
        w3.eth.call({"from": Account.from_key(key).address, "data": data})
    except (ContractCustomError, ContractLogicError) as exc:
        return _error_args(exc, error)
    raise AssertionError(f"expected the deployment of {name} to revert with {error}, but it succeeded")


def _error_args(exc: Exception, error: str) -> tuple[Any, ...]:
    described = describe_revert(exc)
    assert described.startswith(error + "("), f"expected {error}, got {described}"
    decoded = decode_revert(bytes.fromhex(str(getattr(exc, "data", ""))[2:]))
    assert decoded is not None
    return decoded[1]
