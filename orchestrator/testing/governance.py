"""TEST-ONLY (anvil): governance as it happens over days, in seconds.

The governor schedules a batch on a chain's timelock with the full delay, the chain's clock is moved past
it (`advance_time`), and anyone executes. Real deployments wait the delay out (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.addresses import TIMELOCK
from orchestrator.chain.governance import Operation, TimelockCall
from orchestrator.chain.handle import Chain
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.testing.devnets import advance_time


def timelock(chain: Chain) -> Contract:
    """The chain's TimelockController."""
    address = Web3.to_checksum_address(chain.deployment.contracts[TIMELOCK].address)
    contract: Contract = chain.w3.eth.contract(address=address, abi=compile_contracts()[TIMELOCK].abi)
    return contract


def schedule(chain: Chain, governor_key: str, fns: list[Any]) -> Operation:
    """The governor schedules the calls `fns` on `chain`'s timelock with its whole delay."""
    t = timelock(chain)
    operation = Operation.new([TimelockCall.of(fn) for fn in fns])
    delay = int(t.functions.getMinDelay().call())
    chain.sender(governor_key).send(operation.schedule(t, delay), label="schedule")
    return operation


def enact(chain: Chain, governor_key: str, executor_key: str, fns: list[Any]) -> Operation:
    """Schedule `fns`, let the delay pass, execute (from `executor_key`: anyone may)."""
    operation = schedule(chain, governor_key, fns)
    advance_time(chain.w3, int(timelock(chain).functions.getMinDelay().call()) + 1)
    chain.sender(executor_key).send(operation.execute(timelock(chain)), label="execute")
    return operation
