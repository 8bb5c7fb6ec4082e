"""One typed client per contract. Choosing the primary's or a secondary's rollup ABI happens here and
nowhere else.

The clients give typed reads for what the orchestrator reads all the time (stage counters, pending
balances, request deadlines). For everything else, `functions` and `events` are the contract's own.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any

from web3 import Web3
from web3.contract import Contract

from orchestrator.contracts.compiler import compile_contracts

MESSENGER_CONTRACT = "AttestedMessenger"
PRIMARY_CONTRACT, SECONDARY_CONTRACT = "PrimaryRollup", "SecondaryRollup"
TOKEN_CONTRACT = "TestToken"


class Stage(StrEnum):
    """The settlement stages a block reaches on a chain, in order; `PAID` is the sequencer's own mark
    (every payout the block made there has ended)."""

    COMMITTED = "committed"
    PROVEN = "proven"  # the primary only
    SYNCHRONIZED = "synchronized"
    EXECUTED = "executed"
    PAID = "paid"

    @property
    def counter(self) -> str:
        """The rollup contract's counter of this stage."""
        return _COUNTERS[self]


_COUNTERS = {
    Stage.COMMITTED: "lastCommittedBlock",
    Stage.PROVEN: "lastProvenBlock",
    Stage.SYNCHRONIZED: "lastSynchronizedBlock",
    Stage.EXECUTED: "lastExecutedBlock",
}
ON_CHAIN_STAGES = (Stage.COMMITTED, Stage.PROVEN, Stage.SYNCHRONIZED, Stage.EXECUTED)


@cache
def _abi(name: str) -> Any:
    return compile_contracts()[name].abi


def _contract(w3: Web3, address: str, name: str) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=_abi(name))


class RollupClient:
    """A chain's rollup contract: `PrimaryRollup` on the primary, `SecondaryRollup` elsewhere."""

    def __init__(self, w3: Web3, address: str, primary: bool) -> None:
        self.primary = primary
        self.contract = _contract(w3, address, PRIMARY_CONTRACT if primary else SECONDARY_CONTRACT)
        self.address = self.contract.address
        self.functions = self.contract.functions
        self.events = self.contract.events

    def stages(self) -> tuple[Stage, ...]:
        """The stages this chain counts (a secondary proves nothing)."""
        return tuple(s for s in ON_CHAIN_STAGES if self.primary or s is not Stage.PROVEN)

    def counter(self, stage: Stage) -> int:
        """The last block that reached `stage` here."""
        return int(getattr(self.functions, stage.counter)().call())

    def counters(self) -> dict[Stage, int]:
        return {s: self.counter(s) for s in self.stages()}

    def pending_balance(self, owner: str, token: int) -> int:
        """What executed withdrawals and full exits left for `owner` here, not yet paid out."""
        return int(self.functions.pendingBalances(Web3.to_checksum_address(owner), token).call())

    def request_deadline(self, serial: int) -> int:
        """The chain timestamp (s) after which an unexecuted request `serial` lets anyone start exodus."""
        return int(self.functions.priorityRequests(serial).call()[1])

    def pending_requests(self) -> int:
        return int(self.functions.pendingPriorityRequests().call())

    def domain(self) -> int:
        """What binds proofs and L2 signatures to this deployment (the primary's only)."""
        return int(self.functions.domain().call())


class MessengerClient:
    """A chain's messenger (`AttestedMessenger`)."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.contract = _contract(w3, address, MESSENGER_CONTRACT)
        self.address = self.contract.address
        self.functions = self.contract.functions
        self.events = self.contract.events

    def delivered(self, source_chain_id: int, nonce: int) -> bool:
        return bool(self.functions.delivered(source_chain_id, nonce).call())


def token_contract(w3: Web3, address: str) -> Contract:
    """A devnet's TEST-ONLY ERC-20 (`TestToken`; any ERC-20 answers the calls the wallet makes)."""
    return _contract(w3, address, TOKEN_CONTRACT)
