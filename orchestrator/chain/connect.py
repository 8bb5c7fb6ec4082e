"""Connecting to a chain: a Web3 checked to be the chain the configuration names."""

from __future__ import annotations

from web3 import Web3
from web3.exceptions import Web3Exception

from orchestrator.config import ChainConfig
from orchestrator.errors import DeployError


def connect(chain: ChainConfig, timeout: float = 10.0) -> Web3:
    """A Web3 for `chain`, checked to answer with the configured chain id (guards against a wrong URL)."""
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": timeout}))
    try:
        reported = w3.eth.chain_id
    except (OSError, Web3Exception) as exc:
        reason = type(exc).__name__
        raise DeployError(f"chain {chain.name!r} at {chain.rpc_url} is not reachable: {reason}") from None
    if reported != chain.evm_chain_id:
        raise DeployError(
            f"chain {chain.name!r} at {chain.rpc_url} reports chain id {reported}, "
            f"expected {chain.evm_chain_id}"
        )
    return w3
