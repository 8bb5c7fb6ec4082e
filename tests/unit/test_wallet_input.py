"""What a user types is turned into exact values or refused in one line before anything is signed (issue 11,
points 8 and 14): amounts, L1 addresses and wallet names, node errors as readable text."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from web3.exceptions import Web3RPCError

from orchestrator.contracts.reverts import node_error_text
from orchestrator.l2.params import MAX_BALANCE
from orchestrator.wallet.keys import WalletError, create_wallet, load_wallet
from orchestrator.wallet.resolve import Token, UserError, l1_address, parse_amount, transfer_amount

ETH, USDC = Token(0, "ETH", 18), Token(1, "USDC", 6)


@pytest.mark.parametrize(
    ("text", "token", "raw"),
    [
        ("1.5", ETH, 15 * 10**17),
        ("1e-18", ETH, 1),
        ("0.000001", USDC, 1),
        (" 2 ", USDC, 2_000_000),
        ("340282366920938463463.374607431768211455", ETH, MAX_BALANCE),
    ],
)
def test_amounts_are_exact_at_any_size(text: str, token: Token, raw: int) -> None:
    assert parse_amount(text, token) == raw
    assert token.format(raw).split()[0] == str(text).strip() or raw in (1, MAX_BALANCE)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-1", "must be positive"),
        ("0", "must be positive"),
        ("-0", "must be positive"),
        ("1e-19", "at most 18 decimals"),
        ("1e-99999999999", "at most 18 decimals"),
        ("1e40", "more than an L2 balance can hold (at most about 3.4e+20 ETH)"),
        ("1e999999999999", "more than an L2 balance can hold"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("1,5", "not a number"),
        ("0x10", "not a number"),
        ("", "not a number"),
    ],
)
def test_bad_amounts_are_refused_with_their_reason(text: str, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        parse_amount(text, ETH)


def test_token_units_are_printed_exactly() -> None:
    # exact: a Decimal division would round to 28 digits
    assert ETH.format(MAX_BALANCE) == "340282366920938463463.374607431768211455 ETH"
    assert ETH.format(10**18) == "1 ETH" and USDC.format(1) == "0.000001 USDC" and ETH.format(0) == "0 ETH"
    assert Token(2, "WHOLE", 0).format(12) == "12 WHOLE"


def test_a_transfer_amount_must_fit_the_packed_format() -> None:
    assert transfer_amount(parse_amount("0.12345678912", ETH), ETH)
    with pytest.raises(UserError, match=r"0.123456789123 ETH cannot be sent exactly; 0.12345678912 ETH can"):
        transfer_amount(parse_amount("0.123456789123", ETH), ETH)


def test_l1_addresses_are_wallet_names_or_full_checked_addresses(tmp_path: Path) -> None:
    bob = create_wallet(tmp_path, "bob")
    assert l1_address("bob", tmp_path) == (bob.address, "bob")
    address = Account.create().address
    assert l1_address(address, tmp_path) == (address, None)
    assert l1_address(address.lower(), tmp_path) == (address, None)  # no checksum to check
    assert l1_address("0x" + address[2:].upper(), tmp_path) == (address, None)
    wrong = address[:2] + address[2:].swapcase()  # every letter's case flipped: a broken checksum
    if wrong != address and any(c.isalpha() for c in address[2:]):
        with pytest.raises(UserError, match="checksum"):
            l1_address(wrong, tmp_path)
    for text, fragment in (
        ("0x1234", "exactly 40 hex digits"),
        (address + "0", "exactly 40 hex digits"),
        ("carol", "no wallet named 'carol'"),
        ("0x" + "z" * 40, "exactly 40 hex digits"),
        ("1234", "no wallet named"),
    ):
        with pytest.raises(UserError, match=fragment):
            l1_address(text, tmp_path)


def test_node_errors_are_one_readable_line() -> None:
    rpc = Web3RPCError(
        "{'code': -32003, 'message': 'Insufficient funds for gas * price + value'}",
        rpc_response={
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": -32003, "message": "Insufficient funds for gas * price + value"},
        },
    )
    assert node_error_text(rpc) == "Insufficient funds for gas * price + value"
    assert node_error_text(ValueError({"code": -32000, "message": "nonce too low"})) == "nonce too low"
    assert node_error_text(OSError("connection\nrefused")) == "connection refused"


def test_a_wallet_name_is_never_a_path(tmp_path: Path) -> None:
    """The explorer's account search passes what a stranger typed to `load_wallet`: "../x" must not read
    another JSON file than a wallet's."""
    create_wallet(tmp_path, "bob")
    (tmp_path / "secret.json").write_text('{"name": "x", "l1_key": "0x01", "l2_key": "0x01"}')
    for name in ("../secret", "wallets/../../secret", "BOB", "", "a" * 33):
        with pytest.raises(WalletError, match="no wallet"):
            load_wallet(tmp_path, name)
    assert load_wallet(tmp_path, "bob").name == "bob"
