"""OnchainOpSlot and TransferSlot at D = 4 against the Python reference: every operation type, the
records they emit, and the cases that must not be provable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.crypto.babyjub import SUBORDER
from orchestrator.prover.compile import CompiledCircuit
from tests.circuits import reference as ref
from tests.circuits.harness import fails, run

Circuit = Callable[[str], CompiledCircuit]
DEPTH = 4
DOMAIN = int.from_bytes(hashlib.sha256(b"circuit tests").digest(), "big") >> 8
ALICE, BOB, CAROL = ref.key(1), ref.key(2), ref.key(3)
ALICE_ADDR, BOB_ADDR, CAROL_ADDR = 0xA11CE << 136, 0xB0B << 140, (1 << 160) - 1
MAX_BALANCE = (1 << 128) - 1


def _funded() -> ref.Tree:
    """Alice at 5 (token 0), Bob at 10 (token 0), Carol at 3 (token 7)."""
    tree = ref.Tree(DEPTH)
    tree.set(5, (ref.pkh_of(ALICE), ALICE_ADDR, 0, 10**18, 3))
    tree.set(10, (ref.pkh_of(BOB), BOB_ADDR, 0, 2 * 10**18, 0))
    tree.set(3, (ref.pkh_of(CAROL), CAROL_ADDR, 7, 500, 1))
    return tree


def _builder(tree: ref.Tree) -> ref.BlockBuilder:
    return ref.BlockBuilder(DEPTH, 1, 1, DOMAIN, tree)


def _op_slot(b: ref.BlockBuilder) -> dict[str, Any]:
    names = ("type", "chain", "account", "token", "amount", "address", "pkh", "leaf", "path", "sig")
    slot = {name: b.inputs[f"op_{name}"][-1] for name in names}
    return {"domain": b.domain, "old_root": b.old_root, **slot}


def _tx_slot(b: ref.BlockBuilder) -> dict[str, Any]:
    names = ("type", "from", "to", "amount_packed", "from_leaf", "from_path", "to_leaf", "to_path", "sig")
    slot = {name: b.inputs[f"tx_{name}"][-1] for name in names}
    return {"domain": b.domain, "old_root": b.old_root, **slot}


def _check_op(c: CompiledCircuit, b: ref.BlockBuilder, workdir: Path) -> dict[str, Any]:
    inputs = _op_slot(b)
    out = run(c, inputs, workdir).outputs
    assert out[0] == b.tree.root
    assert list(out[1:]) == ref.bits_msb_first(b.op_records[-1])
    return inputs


def _check_tx(c: CompiledCircuit, b: ref.BlockBuilder, workdir: Path) -> dict[str, Any]:
    inputs = _tx_slot(b)
    out = run(c, inputs, workdir).outputs
    assert out[0] == b.tree.root
    assert list(out[1:]) == ref.bits_msb_first(b.tx_records[-1])
    return inputs


@pytest.fixture
def op(circuit: Circuit) -> CompiledCircuit:
    return circuit("onchain_op")


@pytest.fixture
def tx(circuit: Circuit) -> CompiledCircuit:
    return circuit("transfer")


# ---- on-chain operations --------------------------------------------------------------------------


def test_op_noop(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.op_noop()
    inputs = _check_op(op, b, workdir)
    assert b.op_records[-1] == bytes(64)
    # The leaf, path and signature of a Noop are free ...
    run(op, {**inputs, "leaf": [1, 2, 3, 4, 5], "path": [[9, 9, 9]] * 2, "sig": [0, 0, 0, 0, 1]}, workdir)
    # ... but every record field must be zero.
    for name in ("chain", "account", "token", "amount", "address", "pkh"):
        assert fails(op, {**inputs, name: 1}, workdir), name


def test_op_rejects_unknown_types(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.deposit(1, 12, 0, 100, CAROL_ADDR, ref.pkh_of(CAROL))
    inputs = _op_slot(b)
    for bad in (4, 5, 255, 256):
        assert fails(op, {**inputs, "type": bad}, workdir), bad


def test_deposit_into_empty_account(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.deposit(8, 12, 0xFFFF, MAX_BALANCE, CAROL_ADDR, ref.pkh_of(CAROL))
    inputs = _check_op(op, b, workdir)
    # The chain id must be 1..8.
    assert fails(op, {**inputs, "chain": 0}, workdir)
    assert fails(op, {**inputs, "chain": 9}, workdir)
    # A deposit must name an owner.
    assert fails(op, {**inputs, "pkh": 0}, workdir)
    # Fields beyond their widths.
    assert fails(op, {**inputs, "amount": MAX_BALANCE + 1}, workdir)
    assert fails(op, {**inputs, "account": 12 + (1 << DEPTH)}, workdir)
    assert fails(op, {**inputs, "token": 1 << 16}, workdir)
    assert fails(op, {**inputs, "pkh": 1 << 160}, workdir)
    assert fails(op, {**inputs, "address": 1 << 160}, workdir)


def test_deposit_into_matching_account(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.deposit(2, 5, 0, 12345, ALICE_ADDR, ref.pkh_of(ALICE))
    _check_op(op, b, workdir)


def test_deposit_into_foreign_account_fails(op: CompiledCircuit, workdir: Path) -> None:
    for pkh, address, token in (
        (ref.pkh_of(BOB), ALICE_ADDR, 0),  # another L2 owner
        (ref.pkh_of(ALICE), BOB_ADDR, 0),  # another L1 owner
        (ref.pkh_of(ALICE), ALICE_ADDR, 1),  # another token
    ):
        b = _builder(_funded())
        b.deposit(1, 5, token, 100, address, pkh)
        assert fails(op, _op_slot(b), workdir)


def test_deposit_overflow_fails(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.deposit(1, 5, 0, MAX_BALANCE - 10**18 + 1, ALICE_ADDR, ref.pkh_of(ALICE))
    assert fails(op, _op_slot(b), workdir)
    b = _builder(_funded())
    b.deposit(1, 5, 0, MAX_BALANCE - 10**18, ALICE_ADDR, ref.pkh_of(ALICE))
    _check_op(op, b, workdir)


def test_withdraw(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.withdraw(ALICE, 3, 5, 10**18, BOB_ADDR)  # the whole balance, paid to another address
    inputs = _check_op(op, b, workdir)
    # Tampering with any record field after signing breaks the signature (or another rule).
    for name, value in (
        ("chain", 4),
        ("account", 10),
        ("amount", 10**17),
        ("address", ALICE_ADDR),
        ("token", 1),
        ("pkh", 1),
    ):
        assert fails(op, {**inputs, name: value}, workdir), name
    # A Withdraw turned into a Noop or a Deposit of the same record is not provable either.
    assert fails(op, {**inputs, "type": 0}, workdir)
    assert fails(op, {**inputs, "type": 1}, workdir)
    # A signature with S + l is rejected.
    sig = inputs["sig"]
    assert fails(op, {**inputs, "sig": [*sig[:4], sig[4] + SUBORDER]}, workdir)


def test_withdraw_by_non_owner_fails(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.withdraw(BOB, 1, 5, 10, BOB_ADDR)  # Bob signs a withdrawal from Alice's account
    assert fails(op, _op_slot(b), workdir)


def test_withdraw_wrong_nonce_fails(op: CompiledCircuit, workdir: Path) -> None:
    for nonce in (2, 4):
        b = _builder(_funded())
        b.withdraw(ALICE, 1, 5, 10, ALICE_ADDR, sign_nonce=nonce)
        assert fails(op, _op_slot(b), workdir)


def test_withdraw_overdraft_fails(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.withdraw(ALICE, 1, 5, 10**18 + 1, ALICE_ADDR)
    assert fails(op, _op_slot(b), workdir)


def test_full_exit_by_owner(op: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.full_exit(6, 3, 7, CAROL_ADDR)
    inputs = _check_op(op, b, workdir)
    assert inputs["amount"] == 500
    # The owner's exit takes the whole balance: neither less nor more.
    assert fails(op, {**inputs, "amount": 0}, workdir)
    assert fails(op, {**inputs, "amount": 499}, workdir)
    assert fails(op, {**inputs, "amount": 501}, workdir)


@pytest.mark.parametrize(("account", "token", "address"), [(3, 7, BOB_ADDR), (3, 0, CAROL_ADDR), (12, 0, 0)])
def test_full_exit_by_non_owner_exits_nothing(
    op: CompiledCircuit, workdir: Path, account: int, token: int, address: int
) -> None:
    b = _builder(_funded())
    root = b.tree.root
    b.full_exit(1, account, token, address)
    inputs = _check_op(op, b, workdir)
    assert inputs["amount"] == 0 and b.tree.root == root
    assert fails(op, {**inputs, "amount": 1}, workdir)
    # Nor can the prover lie about the leaf to dodge a real owner's exit.
    assert fails(op, {**inputs, "leaf": [0, 0, 0, 0, 0]}, workdir) or inputs["leaf"] == [0] * 5


# ---- transfers ------------------------------------------------------------------------------------


def test_tx_noop(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.tx_noop()
    inputs = _check_tx(tx, b, workdir)
    assert b.tx_records[-1] == bytes(14)
    run(tx, {**inputs, "from_leaf": [1, 2, 3, 4, 5], "to_path": [[7, 7, 7]] * 2}, workdir)
    for name in ("from", "to", "amount_packed"):
        assert fails(tx, {**inputs, name: 1}, workdir), name
    for bad in (1, 2, 3, 5, 8, 260):
        assert fails(tx, {**inputs, "type": bad}, workdir), bad
    # Claiming a Transfer with no signature fails.
    assert fails(tx, {**inputs, "type": 4}, workdir)


def test_transfer(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.transfer(ALICE, 5, 10, ref.pack_amount(25, 16))
    inputs = _check_tx(tx, b, workdir)
    # Any record field changed after signing breaks the signature.
    for name, value in (("from", 10), ("to", 3), ("amount_packed", ref.pack_amount(26, 16))):
        assert fails(tx, {**inputs, name: value}, workdir), name
    # The same value packed differently is the same signed transfer (the model packs canonically).
    same = run(tx, {**inputs, "amount_packed": ref.pack_amount(250, 15)}, workdir).outputs
    assert same[0] == b.tree.root


def test_transfer_whole_balance_and_to_self(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.transfer(ALICE, 5, 5, ref.pack_amount(1, 18))
    _check_tx(tx, b, workdir)
    b = _builder(_funded())
    b.transfer(CAROL, 3, 3, ref.pack_amount(0, 0))
    _check_tx(tx, b, workdir)


def test_transfer_bad_signature_fails(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.transfer(BOB, 5, 10, ref.pack_amount(1, 0))  # Bob signs for Alice's account
    assert fails(tx, _tx_slot(b), workdir)
    b = _builder(_funded())
    b.transfer(ALICE, 5, 10, ref.pack_amount(1, 0), sign_to=3)  # signed for another receiver
    assert fails(tx, _tx_slot(b), workdir)
    b = _builder(_funded())
    b.transfer(ALICE, 5, 10, ref.pack_amount(1, 0))
    inputs = _tx_slot(b)
    sig = inputs["sig"]
    assert fails(tx, {**inputs, "sig": [*sig[:4], sig[4] + 1]}, workdir)
    # Bob's key with Alice's pkh in the leaf does not pass the key hash check.
    pub = BOB.public_key
    assert fails(tx, {**inputs, "sig": [pub.x, pub.y, *sig[2:]]}, workdir)


def test_transfer_wrong_nonce_fails(tx: CompiledCircuit, workdir: Path) -> None:
    for nonce in (2, 4):
        b = _builder(_funded())
        b.transfer(ALICE, 5, 10, ref.pack_amount(1, 0), sign_nonce=nonce)
        assert fails(tx, _tx_slot(b), workdir)


def test_transfer_overdraft_fails(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.transfer(ALICE, 5, 10, ref.pack_amount(10**9 + 1, 9))  # 10^18 + 10^9
    assert fails(tx, _tx_slot(b), workdir)
    b = _builder(_funded())
    b.transfer(ALICE, 5, 10, ref.pack_amount(1, 31))  # value > 2^128, far beyond any balance
    assert fails(tx, _tx_slot(b), workdir)


def test_transfer_receiver_rules(tx: CompiledCircuit, workdir: Path) -> None:
    b = _builder(_funded())
    b.transfer(ALICE, 5, 12, ref.pack_amount(1, 0))  # to an empty account
    assert fails(tx, _tx_slot(b), workdir)
    b = _builder(_funded())
    b.transfer(ALICE, 5, 3, ref.pack_amount(1, 0))  # Carol holds token 7
    assert fails(tx, _tx_slot(b), workdir)
    tree = _funded()
    tree.set(10, (ref.pkh_of(BOB), BOB_ADDR, 0, MAX_BALANCE, 0))
    b = _builder(tree)
    b.transfer(ALICE, 5, 10, ref.pack_amount(1, 0))  # the receiver would reach 2^128
    assert fails(tx, _tx_slot(b), workdir)


def test_transfer_nonce_limit(tx: CompiledCircuit, workdir: Path) -> None:
    tree = _funded()
    tree.set(5, (ref.pkh_of(ALICE), ALICE_ADDR, 0, 10, (1 << 32) - 1))
    b = _builder(tree)
    b.transfer(ALICE, 5, 10, ref.pack_amount(1, 0))
    assert fails(tx, _tx_slot(b), workdir)
