"""Transactions, signed messages and record encodings (protocol.md sections 4 and 6)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import TxRejected
from orchestrator.l2.tx import (
    NOOP_L2_RECORD,
    NOOP_OP_RECORD,
    Deposit,
    FullExit,
    L2Record,
    OpRecord,
    Transfer,
    Withdraw,
)
from tests.l2.common import ADDR_A, ALICE, BOB, DOMAIN, ETHER


def test_op_record_layout() -> None:
    record = OpRecord(1, 3, 0x01020304, 0x0506, 2**127 + 9, ADDR_A, 0xDEAD)
    data = record.encode()
    assert len(data) == 64
    assert data[0] == 1 and data[1] == 3
    assert data[2:6] == bytes([1, 2, 3, 4])
    assert data[6:8] == bytes([5, 6])
    assert int.from_bytes(data[8:24], "big") == 2**127 + 9
    assert data[24:44] == bytes.fromhex("aa" * 20)
    assert int.from_bytes(data[44:64], "big") == 0xDEAD
    assert OpRecord.decode(data) == record
    assert NOOP_OP_RECORD.encode() == bytes(64)


def test_l2_record_layout() -> None:
    record = Transfer(0x0A0B0C0D, 7, 10**18, 0).record()
    data = record.encode()
    assert len(data) == 14
    assert data[0] == 4
    assert data[1:5] == bytes([10, 11, 12, 13]) and data[5:9] == bytes([0, 0, 0, 7])
    assert int.from_bytes(data[9:14], "big") == (10**10 << 5) | 8
    assert L2Record.decode(data) == record and record.amount == 10**18
    assert NOOP_L2_RECORD.encode() == bytes(14)


def test_record_decoding_refuses_bad_input() -> None:
    with pytest.raises(TxRejected):
        OpRecord.decode(bytes(63))
    with pytest.raises(TxRejected):
        L2Record.decode(bytes(15))
    with pytest.raises(TxRejected):
        OpRecord.decode(bytes([9]) + bytes(63))  # unknown type
    with pytest.raises(TxRejected):
        L2Record.decode(bytes([2]) + bytes(13))  # a Withdraw is never an L2 record


def test_messages() -> None:
    t = Transfer(3, 4, 500, 6)
    assert t.message(DOMAIN) == poseidon([DOMAIN, 4, 3, 4, 500, 6])
    w = Withdraw(3, chain=5, address=ADDR_A, amount=700, nonce=6)
    assert w.message(DOMAIN) == poseidon([DOMAIN, 2, 3, ADDR_A, 700, 6 + 5 * 2**32])
    assert w.record(token=9) == OpRecord(2, 5, 3, 9, 700, ADDR_A, 0)
    with pytest.raises(TxRejected):
        t.message(2**248)


def test_sign_and_verify() -> None:
    t = Transfer(0, 1, ETHER, 0)
    assert not t.verify_signature(DOMAIN)
    assert t.signature_fields() == [0, 0, 0, 0, 0]
    signed = t.sign(ALICE, DOMAIN)
    assert signed.verify_signature(DOMAIN)
    assert signed.public_key == ALICE.public_key
    assert signed.signature is not None
    assert signed.signature_fields()[:2] == [ALICE.public_key.x, ALICE.public_key.y]
    assert not signed.verify_signature(DOMAIN + 1)  # another deployment
    assert not replace(signed, amount=ETHER + 1).verify_signature(DOMAIN)
    assert not replace(signed, public_key=BOB.public_key).verify_signature(DOMAIN)
    w = Withdraw(0, 2, ADDR_A, ETHER, 0).sign(ALICE, DOMAIN)
    assert w.verify_signature(DOMAIN)
    assert not replace(w, chain=3).verify_signature(DOMAIN)  # the target chain is signed


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: Transfer(0, 1, 2**128, 0), "amount_too_large"),
        (lambda: Transfer(0, 1, -1, 0), "malformed"),
        (lambda: Transfer(0, 1, True, 0), "malformed"),
        (lambda: Transfer(0, 2**32, 1, 0), "malformed"),
        (lambda: Transfer(0, 1, 1, 2**32), "malformed"),
        (lambda: Withdraw(0, 0, ADDR_A, 1, 0), "bad_chain"),
        (lambda: Withdraw(0, 9, ADDR_A, 1, 0), "bad_chain"),
        (lambda: Withdraw(0, 1, 2**160, 1, 0), "malformed"),
        (lambda: Deposit(1, 0, 2**16, 1, ADDR_A, 1), "malformed"),
        (lambda: Deposit(1, 0, 0, 2**128, ADDR_A, 1), "amount_too_large"),
        (lambda: FullExit(0, 0, 0, 0, ADDR_A), "bad_chain"),
        (lambda: Transfer(0, 1, 1, 0, public_key="k"), "malformed"),  # type: ignore[arg-type]
    ],
)
def test_constructors_refuse(build: Any, code: str) -> None:
    with pytest.raises(TxRejected) as err:
        build()
    assert err.value.code == code


def test_unpackable_transfer_has_no_record() -> None:
    with pytest.raises(TxRejected) as err:
        Transfer(0, 1, 2**35 + 1, 0).record()
    assert err.value.code == "amount_not_packable"
