"""Shared values of the L2 model tests: fixed keys, a domain, a small funded state, state snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.l2.account import Account, pkh_of
from orchestrator.l2.chainhash import domain
from orchestrator.l2.params import PROFILES
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit

DOMAIN = domain(31337, "0x5fbdb2315678afecb367f032d93f642f64180aa3")
ALICE = PrivateKey(bytes([1]) * 32)
BOB = PrivateKey(bytes([2]) * 32)
CAROL = PrivateKey(bytes([3]) * 32)
ADDR_A = int("aa" * 20, 16)
ADDR_B = int("bb" * 20, 16)
ADDR_C = int("cc" * 20, 16)
ETHER = 10**18


def pkh(key: PrivateKey) -> int:
    return pkh_of(key.public_key)


@dataclass(frozen=True)
class Snapshot:
    """Everything observable about a state, to show that a rejection changed nothing."""

    root: int
    accounts: tuple[tuple[int, Account], ...]
    vaults: tuple[tuple[tuple[int, int], int], ...]
    next_free: int


def snapshot(state: L2State) -> Snapshot:
    return Snapshot(
        state.root, tuple(state.items()), tuple(sorted(state.vaults().items())), state.next_free_index
    )


def funded_state() -> L2State:
    """Test profile: alice at 0 (1 ETH, from chain 1), bob at 1 (0.5 ETH, from chain 2), carol at 2
    (1000 units of token 1, from chain 1)."""
    state = L2State(PROFILES["test"])
    state.apply_deposit(Deposit(1, 0, 0, ETHER, ADDR_A, pkh(ALICE)))
    state.apply_deposit(Deposit(2, 0, 0, ETHER // 2, ADDR_B, pkh(BOB)))
    state.apply_deposit(Deposit(1, 1, 1, 1000, ADDR_C, pkh(CAROL)))
    return state
