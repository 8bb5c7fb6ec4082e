"""L2State: every rule, and that a rejection changes nothing (protocol.md sections 5, 6 and 10)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2.account import Account
from orchestrator.l2.params import MAX_BALANCE, MAX_NONCE, PROFILES, Profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import QuadTree, empty_root
from orchestrator.l2.tx import Deposit, FullExit, OpRecord, Transfer, Withdraw
from tests.l2.common import (
    ADDR_A,
    ADDR_B,
    ADDR_C,
    ALICE,
    BOB,
    CAROL,
    DOMAIN,
    ETHER,
    funded_state,
    pkh,
    snapshot,
)


def rejects(state: L2State, code: str, action: Callable[[], object]) -> None:
    """`action` raises TxRejected(code) and leaves `state` exactly as it was."""
    before = snapshot(state)
    with pytest.raises(TxRejected) as err:
        action()
    assert err.value.code == code, str(err.value)
    assert snapshot(state) == before


def test_genesis_and_funded_state(state: L2State) -> None:
    assert L2State(PROFILES["test"]).root == empty_root(8)
    assert state.account(0) == Account(pkh(ALICE), ADDR_A, 0, ETHER, 0)
    assert state.account(1) == Account(pkh(BOB), ADDR_B, 0, ETHER // 2, 0)
    assert state.account(2) == Account(pkh(CAROL), ADDR_C, 1, 1000, 0)
    assert state.next_free_index == 3
    assert state.find_account(pkh(ALICE), ADDR_A, 0) == 0
    assert state.find_account(pkh(ALICE), ADDR_A, 1) is None
    assert (state.vault(1, 0), state.vault(2, 0), state.vault(1, 1)) == (ETHER, ETHER // 2, 1000)
    tree = QuadTree(8)
    tree.set_leaves((i, a.leaf_hash) for i, a in state.items())
    assert state.root == tree.root
    assert QuadTree.verify(state.root, 1, state.account(1).leaf_hash, state.proof(1))


def test_transfer_applies(state: L2State) -> None:
    record = state.apply_transfer(Transfer(0, 1, ETHER // 10, 0).sign(ALICE, DOMAIN), DOMAIN)
    assert record == Transfer(0, 1, ETHER // 10, 0).record()
    assert state.account(0) == Account(pkh(ALICE), ADDR_A, 0, ETHER - ETHER // 10, 1)
    assert state.account(1).balance == ETHER // 2 + ETHER // 10 and state.account(1).nonce == 0
    state.apply_transfer(Transfer(0, 1, ETHER // 10, 1).sign(ALICE, DOMAIN), DOMAIN)
    assert state.account(0).nonce == 2


def test_transfer_rejections(state: L2State) -> None:
    def transfer(
        from_: int, to: int, amount: int, nonce: int = 0, key: object = ALICE
    ) -> Callable[[], object]:
        tx = Transfer(from_, to, amount, nonce).sign(key, DOMAIN)  # type: ignore[arg-type]
        return lambda: state.apply_transfer(tx, DOMAIN)

    good = Transfer(0, 1, 100, 0).sign(ALICE, DOMAIN)
    rejects(state, "bad_signature", lambda: state.apply_transfer(Transfer(0, 1, 100, 0), DOMAIN))
    rejects(state, "bad_signature", lambda: state.apply_transfer(good, DOMAIN + 1))
    rejects(state, "bad_signature", lambda: state.apply_transfer(replace(good, amount=101), DOMAIN))
    assert good.signature is not None
    forged = replace(good, signature=replace(good.signature, s=good.signature.s + 1))
    rejects(state, "bad_signature", lambda: state.apply_transfer(forged, DOMAIN))
    rejects(state, "not_owner", transfer(0, 1, 100, key=BOB))
    rejects(state, "bad_nonce", transfer(0, 1, 100, nonce=1))
    rejects(state, "insufficient_balance", transfer(0, 1, ETHER + 10**17))
    rejects(state, "unknown_account", transfer(5, 1, 100))
    rejects(state, "unknown_account", transfer(0, 5, 100))
    rejects(state, "unknown_account", transfer(0, 256, 100))
    rejects(state, "unknown_account", transfer(256, 0, 100))
    rejects(state, "token_mismatch", transfer(0, 2, 100))
    rejects(state, "amount_not_packable", transfer(0, 1, 2**35 + 1))
    rejects(state, "zero_amount", transfer(0, 1, 0))
    rejects(state, "same_account", transfer(0, 0, 100))
    rejects(state, "malformed", lambda: state.apply_transfer(Withdraw(0, 1, 1, 1, 0), DOMAIN))  # type: ignore[arg-type]
    # The replay of an applied transfer is a nonce error.
    state.apply_transfer(good, DOMAIN)
    rejects(state, "bad_nonce", lambda: state.apply_transfer(good, DOMAIN))


def test_transfer_overflow_and_nonce_exhaustion() -> None:
    profile = PROFILES["test"]
    accounts = [
        (0, Account(pkh(ALICE), ADDR_A, 0, 10, MAX_NONCE)),
        (1, Account(pkh(BOB), ADDR_B, 0, MAX_BALANCE - 5, 0)),
        (2, Account(pkh(CAROL), ADDR_C, 0, 10, 0)),
    ]
    state = L2State.from_accounts(profile, accounts)
    rejects(
        state,
        "nonce_overflow",
        lambda: state.apply_transfer(Transfer(0, 2, 1, MAX_NONCE).sign(ALICE, DOMAIN), DOMAIN),
    )
    overflow = Transfer(2, 1, 6, 0).sign(CAROL, DOMAIN)
    rejects(state, "balance_overflow", lambda: state.apply_transfer(overflow, DOMAIN))
    state.apply_transfer(Transfer(2, 1, 5, 0).sign(CAROL, DOMAIN), DOMAIN)
    assert state.account(1).balance == MAX_BALANCE


def test_withdraw(state: L2State) -> None:
    record = state.apply_withdraw(Withdraw(1, 2, ADDR_B, ETHER // 4, 0).sign(BOB, DOMAIN), DOMAIN)
    assert record == OpRecord(2, 2, 1, 0, ETHER // 4, ADDR_B, 0)
    assert state.account(1).balance == ETHER // 4 and state.account(1).nonce == 1
    assert state.vault(2, 0) == ETHER // 4


def test_withdraw_rejections(state: L2State) -> None:
    def withdraw(
        from_: int, chain: int, amount: int, nonce: int = 0, key: object = ALICE
    ) -> Callable[[], object]:
        tx = Withdraw(from_, chain, ADDR_A, amount, nonce).sign(key, DOMAIN)  # type: ignore[arg-type]
        return lambda: state.apply_withdraw(tx, DOMAIN)

    rejects(state, "bad_signature", lambda: state.apply_withdraw(Withdraw(0, 1, ADDR_A, 5, 0), DOMAIN))
    good = Withdraw(0, 1, ADDR_A, 5, 0).sign(ALICE, DOMAIN)
    rejects(state, "bad_signature", lambda: state.apply_withdraw(replace(good, address=ADDR_B), DOMAIN))
    rejects(state, "not_owner", withdraw(0, 1, 5, key=BOB))
    rejects(state, "bad_nonce", withdraw(0, 1, 5, nonce=3))
    rejects(state, "zero_amount", withdraw(0, 1, 0))
    rejects(state, "unknown_account", withdraw(7, 1, 5))
    rejects(state, "insufficient_balance", withdraw(0, 1, ETHER + 1))
    # Chain 3 received no deposit of token 0: its vault cannot pay (section 10).
    rejects(state, "insufficient_liquidity", withdraw(0, 3, 5))
    rejects(state, "insufficient_liquidity", withdraw(0, 2, ETHER // 2 + 1))
    state.apply_withdraw(withdraw_tx := Withdraw(0, 2, ADDR_A, ETHER // 2, 0).sign(ALICE, DOMAIN), DOMAIN)
    rejects(state, "bad_nonce", lambda: state.apply_withdraw(withdraw_tx, DOMAIN))
    relaxed = L2State(PROFILES["test"], check_liquidity=False)
    relaxed.apply_deposit(Deposit(1, 0, 0, 10, ADDR_A, pkh(ALICE)))
    relaxed.apply_withdraw(Withdraw(0, 3, ADDR_A, 10, 0).sign(ALICE, DOMAIN), DOMAIN)
    assert relaxed.vault(3, 0) == -10


def test_token_registry() -> None:
    state = L2State(PROFILES["test"], tokens={0: {1, 2}, 1: {1}})
    rejects(state, "unknown_token", lambda: state.apply_deposit(Deposit(3, 0, 0, 5, ADDR_A, pkh(ALICE))))
    rejects(state, "unknown_token", lambda: state.apply_deposit(Deposit(2, 0, 1, 5, ADDR_A, pkh(ALICE))))
    rejects(state, "unknown_token", lambda: state.apply_deposit(Deposit(1, 0, 7, 5, ADDR_A, pkh(ALICE))))
    state.apply_deposit(Deposit(1, 0, 1, 50, ADDR_A, pkh(ALICE)))
    tx = Withdraw(0, 2, ADDR_A, 5, 0).sign(ALICE, DOMAIN)
    rejects(state, "unknown_token", lambda: state.apply_withdraw(tx, DOMAIN))
    rejects(state, "unknown_token", lambda: state.apply_full_exit(FullExit(2, 0, 0, 1, ADDR_A)))
    assert state.apply_full_exit(FullExit(1, 0, 0, 1, ADDR_A)).amount == 50


def test_deposits_choose_their_account(state: L2State) -> None:
    record = state.apply_deposit(Deposit(2, 1, 0, 7, ADDR_A, pkh(ALICE)))
    assert record == OpRecord(1, 2, 0, 0, 7, ADDR_A, pkh(ALICE))  # existing account 0 grows
    assert state.account(0).balance == ETHER + 7
    record = state.apply_deposit(Deposit(2, 2, 0, 7, ADDR_B, pkh(ALICE)))  # another L1 owner: new account
    assert record.account == 3 and state.next_free_index == 4
    # An account about to overflow is skipped for a fresh one.
    state.apply_deposit(Deposit(1, 2, 1, MAX_BALANCE - 1000, ADDR_C, pkh(CAROL)))
    assert state.account(2).balance == MAX_BALANCE
    record = state.apply_deposit(Deposit(1, 3, 1, 1, ADDR_C, pkh(CAROL)))
    assert record.account == 4 and state.find_account(pkh(CAROL), ADDR_C, 1) == 2
    # A zero deposit from the priority queue is processed (never stalls the queue).
    assert state.apply_deposit(Deposit(1, 4, 0, 0, ADDR_A, pkh(ALICE))).account == 0


def test_deposit_at_a_chosen_index(state: L2State) -> None:
    assert state.apply_deposit(Deposit(1, 5, 0, 3, ADDR_A, pkh(ALICE)), index=10).account == 10
    assert state.next_free_index == 3 and state.find_account(pkh(ALICE), ADDR_A, 0) == 0
    dep = Deposit(1, 6, 0, 3, ADDR_A, pkh(ALICE))
    rejects(state, "account_mismatch", lambda: state.apply_deposit(dep, index=1))
    rejects(state, "account_mismatch", lambda: state.apply_deposit(dep, index=2))
    rejects(state, "bad_index", lambda: state.apply_deposit(dep, index=256))
    big = Deposit(1, 7, 0, MAX_BALANCE, ADDR_A, pkh(ALICE))
    rejects(state, "balance_overflow", lambda: state.apply_deposit(big, index=0))
    rejects(
        state, "bad_pkh", lambda: state.apply_deposit(Deposit(1, 8, 0, 3, ADDR_A, 0))
    )  # the circuit's rule
    rejects(state, "malformed", lambda: state.apply_deposit(FullExit(1, 0, 0, 0, ADDR_A)))  # type: ignore[arg-type]


def test_tree_full() -> None:
    state = L2State(Profile("tiny", depth=2, n_op=1, n_tx=1))
    for i in range(4):
        assert state.apply_deposit(Deposit(1, i, 0, 1, i + 1, i + 1)).account == i
    assert state.next_free_index == 4
    rejects(state, "tree_full", lambda: state.apply_deposit(Deposit(1, 9, 0, 1, 99, 99)))
    state.apply_deposit(Deposit(1, 10, 0, 1, 1, 1))  # an existing account still takes deposits


def test_full_exits(state: L2State) -> None:
    # Non-owners, wrong tokens and empty accounts exit 0 and change nothing.
    for op in (
        FullExit(1, 0, 0, 0, ADDR_B),
        FullExit(1, 0, 0, 1, ADDR_A),
        FullExit(1, 0, 9, 0, ADDR_A),
    ):
        before = snapshot(state)
        assert state.apply_full_exit(op) == op.record(0)
        assert snapshot(state) == before
    record = state.apply_full_exit(FullExit(2, 1, 0, 0, ADDR_A))
    assert record == OpRecord(3, 2, 0, 0, ETHER, ADDR_A, 0)
    assert state.account(0) == Account(pkh(ALICE), ADDR_A, 0, 0, 0)
    # Full exits cannot be refused, so the vault ledger may go negative (reported in the docs).
    assert state.vault(2, 0) == ETHER // 2 - ETHER
    assert state.apply_full_exit(FullExit(1, 2, 0, 0, ADDR_A)).amount == 0  # nothing left
    rejects(state, "bad_index", lambda: state.apply_full_exit(FullExit(1, 3, 256, 0, ADDR_A)))


def test_fork_isolates_and_merges(state: L2State) -> None:
    before = snapshot(state)
    child = state.fork()
    child.apply_transfer(Transfer(0, 1, 100, 0).sign(ALICE, DOMAIN), DOMAIN)
    child.apply_deposit(Deposit(1, 9, 0, 5, ADDR_C, pkh(CAROL)))
    assert snapshot(state) == before
    assert child.account(3) == Account(pkh(CAROL), ADDR_C, 0, 5, 0)
    expected = snapshot(child)
    child.merge()
    assert snapshot(state) == expected
    assert state.find_account(pkh(CAROL), ADDR_C, 0) == 3
    with pytest.raises(RuntimeError):
        child.account(0)
    stale = state.fork()
    state.apply_transfer(Transfer(0, 1, 100, 1).sign(ALICE, DOMAIN), DOMAIN)
    with pytest.raises(RuntimeError, match="parent"):
        stale.account(0)


def test_from_accounts_restores() -> None:
    original = funded_state()
    original.apply_transfer(Transfer(0, 1, 100, 0).sign(ALICE, DOMAIN), DOMAIN)
    restored = L2State.from_accounts(PROFILES["test"], original.items(), vault=original.vaults())
    assert snapshot(restored) == snapshot(original)


def test_verified_elsewhere_skips_only_the_signature(state: L2State) -> None:
    unsigned_but_owned = Transfer(0, 1, 100, 0, public_key=ALICE.public_key, signature=None)
    rejects(
        state,
        "bad_signature",
        lambda: state.apply_transfer(unsigned_but_owned, DOMAIN, signature_verified=True),
    )
    bad = replace(Transfer(0, 1, 100, 0).sign(ALICE, DOMAIN), amount=200)
    state.apply_transfer(bad, DOMAIN, signature_verified=True)  # the caller vouched for it
    wrong_key = Transfer(1, 0, 100, 0).sign(ALICE, DOMAIN)
    rejects(state, "not_owner", lambda: state.apply_transfer(wrong_key, DOMAIN, signature_verified=True))
