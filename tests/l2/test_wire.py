"""Operations as JSON (orchestrator/l2/wire.py): round trips, refusals, and the exact forms that stores
and wallets already hold, which must not change (a transaction's hash is taken over its JSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2.ops import KINDS
from orchestrator.l2.tx import Deposit, FullExit, Transfer, Withdraw
from orchestrator.l2.wire import (
    _CODECS,
    address_of,
    block_body,
    block_inputs,
    l2_tx_from_json,
    l2_tx_hash,
    l2_tx_to_json,
    op_to_json,
    request_from_json,
    request_to_json,
    transfer_from_json,
    transfer_to_json,
    withdraw_from_json,
    withdraw_to_json,
)
from tests.l2.common import ADDR_A, ALICE, DOMAIN, ETHER

SIGNED_TRANSFER = Transfer(0, 1, ETHER, 3).sign(ALICE, DOMAIN)
SIGNED_WITHDRAW = Withdraw(0, 2, ADDR_A, ETHER, 3).sign(ALICE, DOMAIN)
DEPOSIT = Deposit(2, 5, 1, ETHER, ADDR_A, 0x1234)
FULL_EXIT = FullExit(3, 6, 7, 1, ADDR_A)

# Written by the code before wire.py held every codec (commit 6f732e9): stored blocks and hashes that
# wallets and explorers already hold.
_KEY = "0xfe5186d108fc53940c35d1c2f4af4ebb2d2045acd8143b4bc0719bad3f3924a6"
_STORED_BODY = {
    "ops": [
        {"type": "withdraw", "from": 0, "chain": 2, "address": "0x" + "aa" * 20,
         "amount": "1000000000000000000", "nonce": 3, "public_key": _KEY,
         "signature": "0xfbe1113b354e6710896a3d436299c4db4b4e05f30f5c76b1885af314fc9b3f88"
                      "b2febaadda03fe0d7e6e32e0d46fe2570e47c5065cda68bd510195be968b0502"},
        {"type": "deposit", "chain": 2, "serial": 5, "token": 1, "amount": "1000000000000000000",
         "address": "0x" + "aa" * 20, "pkh": "0x1234"},
        {"type": "full_exit", "chain": 3, "serial": 6, "account": 7, "token": 1, "address": "0x" + "aa" * 20},
    ],
    "transfers": [
        {"from": 0, "to": 1, "amount": "1000000000000000000", "nonce": 3, "public_key": _KEY,
         "signature": "0xdbc64d9e493199f6b98c41919b1b45f452229a91749395735554d8d87631fe18"
                      "707e6884f190b118f9b9b24a52260c40193fa17e0a2778d7cc3f8010d792e502"},
        {"from": 0, "to": 1, "amount": "5", "nonce": 0},
    ],
}  # fmt: skip


def test_every_kind_but_noop_has_a_codec() -> None:
    assert set(_CODECS) == {k.code for k in KINDS if not k.is_noop}


def test_hashes_are_unchanged() -> None:
    assert l2_tx_hash(SIGNED_TRANSFER) == "0xf5f81c599d88b62ddeaa55d54791582a33686f241f745c0e5c3dc83b5fc53f1f"
    assert l2_tx_hash(SIGNED_WITHDRAW) == "0x345448d071e34941ae0ce1bcc006b6d8e0e09931904dea92624184c0702c7b16"


def test_stored_block_body_is_unchanged_text_and_reads_back() -> None:
    body = block_body([SIGNED_WITHDRAW, DEPOSIT, FULL_EXIT], [SIGNED_TRANSFER, Transfer(0, 1, 5, 0)])
    assert json.dumps(body) == json.dumps(_STORED_BODY)  # key order too: the store keeps this text
    assert block_inputs(_STORED_BODY) == (
        [SIGNED_WITHDRAW, DEPOSIT, FULL_EXIT],
        [SIGNED_TRANSFER, Transfer(0, 1, 5, 0)],
    )


def test_round_trips() -> None:
    assert transfer_from_json(transfer_to_json(SIGNED_TRANSFER)) == SIGNED_TRANSFER
    assert withdraw_from_json(withdraw_to_json(SIGNED_WITHDRAW)) == SIGNED_WITHDRAW
    unsigned = Transfer(0, 1, 5, 0)
    assert transfer_from_json(transfer_to_json(unsigned)) == unsigned
    assert transfer_from_json({"from": "0", "to": "0x1", "amount": "5", "nonce": 0}) == unsigned
    for tx in (SIGNED_TRANSFER, SIGNED_WITHDRAW):
        assert l2_tx_from_json(l2_tx_to_json(tx)) == tx
    for op in (DEPOSIT, FULL_EXIT):
        assert request_from_json(request_to_json(op)) == op


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([], "malformed"),
        ({"from": 0, "to": 1, "amount": 5}, "malformed"),
        ({"from": 0, "to": 1, "amount": "five", "nonce": 0}, "malformed"),
        ({"from": 0, "to": 1, "amount": 5.0, "nonce": 0}, "malformed"),
        ({"from": 0, "to": 1, "amount": "0x" + "f" * 99, "nonce": 0}, "malformed"),
        ({"from": 0, "to": 1, "amount": 5, "nonce": 0, "public_key": "0x00"}, "bad_signature"),
        (
            {"from": 0, "to": 1, "amount": 5, "nonce": 0, "public_key": "0xzz", "signature": "0x"},
            "bad_signature",
        ),
    ],
)
def test_transfer_refusals(data: Any, code: str) -> None:
    with pytest.raises(TxRejected) as err:
        transfer_from_json(data)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("transfer", "malformed"),
        ({"type": "deposit", **_STORED_BODY["ops"][1]}, "malformed"),  # not a wallet's to send
        ({"type": "withdraw", "from": 0, "chain": 2, "address": 5, "amount": 1, "nonce": 0}, "bad_address"),
        (
            {"type": "withdraw", "from": 0, "chain": 9, "address": "0x" + "aa" * 20, "amount": 1, "nonce": 0},
            "bad_chain",
        ),
    ],
)
def test_wallet_transaction_refusals(data: Any, code: str) -> None:
    with pytest.raises(TxRejected) as err:
        l2_tx_from_json(data)
    assert err.value.code == code


def test_stored_addresses_read_back_with_leading_zeros() -> None:
    """A request stores hex(address), so 0x0a... keeps 39 digits; the payout lookup read it strictly and
    refused a full exit of such an owner (seen in CI with a random wallet)."""
    owner = 0x0AE34C0688AB163CD4D4DDB20DF284ECC3E8E3B3
    exit_json = request_to_json(FullExit(1, 0, 0, 0, owner))
    assert len(exit_json["address"]) == 41  # as stores already hold it
    withdraw_json = op_to_json(Withdraw(0, 1, owner, 5, 0))
    assert address_of(exit_json) == address_of(withdraw_json) == owner
    assert address_of(request_to_json(DEPOSIT)) == ADDR_A
