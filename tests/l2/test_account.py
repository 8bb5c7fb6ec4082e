"""Accounts, leaf hashes and public key hashes (protocol.md sections 4 and 5)."""

from __future__ import annotations

import pytest

from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import TxRejected
from orchestrator.l2.account import (
    EMPTY,
    Account,
    address_to_int,
    int_to_address,
    pkh_of,
    public_key_hash,
)
from orchestrator.l2.tree import empty_hashes
from tests.l2.common import ALICE


def test_leaf_hash_and_empty() -> None:
    account = Account(5, 6, 7, 8, 9)
    assert account.leaf_hash == poseidon([5, 6, 7, 8, 9])
    assert account.fields() == [5, 6, 7, 8, 9]
    assert EMPTY.leaf_hash == empty_hashes(0)[0]
    assert EMPTY.is_empty and not EMPTY.exists
    assert Account(pkh=1).exists
    ghost = Account(0, 6, 0, 10, 0)  # funds at pkh 0: not empty, yet no account exists there
    assert not ghost.is_empty and not ghost.exists


def test_public_key_hash() -> None:
    pub = ALICE.public_key
    assert public_key_hash(pub.x, pub.y) == poseidon([pub.x, pub.y]) % 2**160 == pkh_of(pub)


def test_updates() -> None:
    account = Account(1, 2, 3, 100, 4)
    assert account.debit(30, bump_nonce=True) == Account(1, 2, 3, 70, 5)
    assert account.debit(30, bump_nonce=False) == Account(1, 2, 3, 70, 4)
    assert account.credit(5) == Account(1, 2, 3, 105, 4)
    assert account.with_balance(0) == Account(1, 2, 3, 0, 4)


@pytest.mark.parametrize(
    "fields",
    [
        (2**160, 0, 0, 0, 0),
        (0, 2**160, 0, 0, 0),
        (0, 0, 2**16, 0, 0),
        (0, 0, 0, 2**128, 0),
        (0, 0, 0, 0, 2**32),
    ],
)
def test_out_of_range_fields_refused(fields: tuple[int, int, int, int, int]) -> None:
    with pytest.raises(TxRejected) as err:
        Account(*fields)
    assert err.value.code == "malformed"


def test_addresses() -> None:
    text = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    value = address_to_int(text)
    assert value == int(text, 16) == address_to_int(bytes.fromhex(text[2:])) == address_to_int(value)
    assert int_to_address(value) == text.lower()
    for bad in ("0x1234", "0x" + "zz" * 20, b"\x01" * 19, 2**160, -1, True, 1.0):
        with pytest.raises(TxRejected) as err:
            address_to_int(bad)  # type: ignore[arg-type]
        assert err.value.code == "bad_address"
