"""The governance path of every chain (docs/security.md): proxies, and the TimelockController that owns them.

Each chain's rollup and messenger run behind OpenZeppelin ERC-1967 proxies (UUPS). Each chain's
TimelockController owns both, so every change (tokens, peers, operator, guardian, verifier, validators,
code) is scheduled first and runs only after the delay, which is longer than the exodus window.

A deployment sets itself up through its own timelock: the timelock is created with no delay and the
deployer as its only proposer and executor; one batch then wires the contracts, hands the roles to the
governor, and sets the real delay as its last call. From then on, nothing changes without the delay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.addresses import DATA_COMMITTEE
from orchestrator.chain.handle import Chain
from orchestrator.chain.sender import Sender
from orchestrator.contracts.compiler import compile_contracts

IMPLEMENTATION_SLOT = int.from_bytes(keccak(b"eip1967.proxy.implementation"), "big") - 1
"""ERC-1967's slot of a proxy's implementation address."""
OPEN_ROLE = "0x0000000000000000000000000000000000000000"
"""Granting a timelock role to address 0 opens it to anyone (OpenZeppelin TimelockController)."""
EMPTY_PREDECESSOR = b"\x00" * 32
SETUP_GAS = 3_000_000


def create_address(deployer: str, nonce: int) -> str:
    """The address a CREATE from `deployer` at `nonce` deploys to (keccak256(rlp([sender, nonce])))."""
    encoded = rlp.encode([bytes.fromhex(deployer[2:]), nonce])
    return Web3.to_checksum_address(keccak(encoded)[12:])


def implementation_of(w3: Web3, proxy: str) -> str:
    """The implementation an ERC-1967 proxy delegates to now."""
    word = w3.eth.get_storage_at(Web3.to_checksum_address(proxy), IMPLEMENTATION_SLOT)
    return Web3.to_checksum_address(bytes(word)[-20:])


@dataclass(frozen=True)
class TimelockCall:
    """One call a timelock makes: to `target`, with `data` (and `value` wei)."""

    target: str
    data: bytes
    value: int = 0

    @staticmethod
    def of(fn: Any) -> TimelockCall:
        """The call a bound contract function `fn` makes."""
        return TimelockCall(str(fn.address), bytes.fromhex(str(fn._encode_transaction_data())[2:]))


@dataclass(frozen=True)
class Operation:
    """A batch of calls scheduled on a timelock, identified by its calls and salt."""

    calls: tuple[TimelockCall, ...]
    salt: bytes

    @staticmethod
    def new(calls: list[TimelockCall]) -> Operation:
        return Operation(tuple(calls), os.urandom(32))

    def args(self) -> list[Any]:
        targets = [Web3.to_checksum_address(c.target) for c in self.calls]
        return [
            targets,
            [c.value for c in self.calls],
            [c.data for c in self.calls],
            EMPTY_PREDECESSOR,
            self.salt,
        ]

    def id(self, timelock: Contract) -> bytes:
        return bytes(timelock.functions.hashOperationBatch(*self.args()).call())

    def schedule(self, timelock: Contract, delay: int) -> Any:
        """The `scheduleBatch` call (a proposer sends it)."""
        return timelock.functions.scheduleBatch(*self.args(), delay)

    def execute(self, timelock: Contract) -> Any:
        """The `executeBatch` call (an executor sends it once the delay has passed)."""
        return timelock.functions.executeBatch(*self.args())


def setup_batch(
    timelock: Contract, wiring: list[TimelockCall], deployer: str, governor: str, delay: int
) -> list[TimelockCall]:
    """The calls that finish a chain's set-up: `wiring`, then the deployer's roles to the governor (anyone
    may execute), then the real delay. Revokes come before grants, so a governor that is the deployer keeps
    its roles."""
    fns = timelock.functions
    proposer, canceller, executor = (
        fns.PROPOSER_ROLE().call(),
        fns.CANCELLER_ROLE().call(),
        fns.EXECUTOR_ROLE().call(),
    )
    roles = [
        fns.revokeRole(proposer, deployer),
        fns.revokeRole(canceller, deployer),
        fns.revokeRole(executor, deployer),
        fns.grantRole(proposer, governor),
        fns.grantRole(canceller, governor),
        fns.grantRole(executor, OPEN_ROLE),
        fns.updateDelay(delay),
    ]
    return wiring + [TimelockCall.of(fn) for fn in roles]


def submit_setup(sender: Sender, timelock: Contract, calls: list[TimelockCall]) -> list[str]:
    """Schedule and execute `calls` on a timelock that has no delay yet; the two transactions' hashes
    (pipelined: `sender.wait` for them)."""
    operation = Operation.new(calls)
    scheduled = sender.submit(operation.schedule(timelock, 0), gas=SETUP_GAS, label="scheduling the set-up")
    executed = sender.submit(operation.execute(timelock), gas=SETUP_GAS, label="executing the set-up")
    return [scheduled, executed]


@dataclass(frozen=True)
class Fact:
    """One thing `rollup governance status` checks on a chain; `safe` False is a finding to act on."""

    chain: str
    what: str
    value: str
    safe: bool = True


def governance_facts(
    chain: Chain, timelock: Contract, deployer: str, governor: str, window: int
) -> list[Fact]:
    """What governs `chain` now, each with whether it holds the trust model of docs/security.md: the
    timelock owns the rollup and the messenger, its delay is longer than the exodus window `window`, the
    deployer kept no role, the governor proposes."""
    name, rollup, messenger = chain.name, chain.rollup.functions, chain.messenger.functions
    t = timelock.functions
    delay = int(t.getMinDelay().call())
    facts = [
        Fact(name, "timelock", timelock.address),
        Fact(name, "delay", f"{delay} s (exodus window {window} s)", delay > window),
    ]
    for label, contract in (("rollup", rollup), ("messenger", messenger)):
        owner = str(contract.owner().call())
        facts.append(Fact(name, f"{label} owner", owner, owner == timelock.address))
        pending = str(contract.pendingOwner().call())
        if int(pending, 16):
            facts.append(Fact(name, f"{label} pending owner", pending, False))
    roles = {
        "proposer": t.PROPOSER_ROLE().call(),
        "executor": t.EXECUTOR_ROLE().call(),
        "canceller": t.CANCELLER_ROLE().call(),
        "admin": t.DEFAULT_ADMIN_ROLE().call(),
    }
    kept = [r for r, role in roles.items() if t.hasRole(role, deployer).call() and deployer != governor]
    facts.append(Fact(name, "deployer's roles", ", ".join(kept) or "none", not kept))
    facts.append(Fact(name, "governor proposes", str(bool(t.hasRole(roles["proposer"], governor).call()))))
    facts.append(Fact(name, "guardian", str(rollup.guardian().call())))
    until = int(rollup.pausedUntil().call())
    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    facts.append(Fact(name, "paused", f"until {until}" if until > now else "no"))
    facts.append(Fact(name, "rollup implementation", implementation_of(chain.w3, chain.rollup.address)))
    facts.append(Fact(name, "messenger implementation", implementation_of(chain.w3, chain.messenger.address)))
    return facts + _committee_facts(chain, timelock.address)


def _committee_facts(chain: Chain, timelock: str) -> list[Fact]:
    """Validium: the data committee's owner (the timelock, or a change could skip the delay), members and
    threshold; nothing in rollup mode."""
    deployed = chain.deployment.contracts.get(DATA_COMMITTEE)
    if deployed is None:
        return []
    address = Web3.to_checksum_address(deployed.address)
    committee = chain.w3.eth.contract(address=address, abi=compile_contracts()[DATA_COMMITTEE].abi)
    owner = str(committee.functions.owner().call())
    members, threshold = committee.functions.committee().call()
    return [
        Fact(chain.name, "data committee owner", owner, owner == timelock),
        Fact(chain.name, "data committee", f"{threshold} of {len(members)} members sign each block"),
    ]
