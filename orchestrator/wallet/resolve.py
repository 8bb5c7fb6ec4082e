"""Turning what a user typed into exact values, or one clear refusal before anything is signed or sent:
amounts in token units, L1 addresses (a wallet name or a full, checksum-correct address), L2 receivers.

A typo must never move funds: `--to 0x1234` is not an address, `--to bob` is bob's wallet or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

from eth_utils.address import is_checksum_address, to_checksum_address

from orchestrator.errors import RollupError
from orchestrator.l2.amounts import is_packable, round_down_packable
from orchestrator.l2.params import MAX_BALANCE
from orchestrator.wallet.keys import NAME_RE, wallet_dir

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class UserError(RollupError):
    """A user's request that cannot be carried out as asked (unknown chain or token, no such account)."""


@dataclass(frozen=True)
class Token:
    """An L2 token as the wallet shows it: id, symbol, decimals."""

    l2_id: int
    symbol: str
    decimals: int

    def format(self, raw: int) -> str:
        """`raw` base units in the token's units with its symbol: 1500000000000000000 -> '1.5 ETH'."""
        whole, fraction = divmod(raw, 10**self.decimals)  # integers: exact at any size
        digits = f"{fraction:0{self.decimals}d}".rstrip("0") if self.decimals else ""
        return f"{whole}{'.' + digits if digits else ''} {self.symbol}"


def parse_amount(text: str, token: Token) -> int:
    """'1.5' ETH -> 1.5e18 wei: a positive amount in the token's units, exact to its decimals, that an L2
    balance can hold."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UserError(f"amount {text!r} is not a number") from None
    if not value.is_finite():
        raise UserError(f"amount {text!r} is not a number")
    if value <= 0:
        raise UserError(f"amount {text} {token.symbol}: must be positive")
    with localcontext() as exact:  # the default context rounds to 28 digits; an amount must not be rounded
        exact.prec = 200
        try:
            scaled = value.scaleb(token.decimals)
        except ArithmeticError:  # an exponent beyond any context
            raise UserError(f"amount {text} {token.symbol} is more than an L2 balance can hold") from None
    if scaled != scaled.to_integral_value() or scaled < 1:
        raise UserError(f"amount {text} {token.symbol}: at most {token.decimals} decimals")
    raw = int(scaled)
    if raw > MAX_BALANCE:
        raise UserError(
            f"amount {text} {token.symbol} is more than an L2 balance can hold "
            f"(at most about {Decimal(MAX_BALANCE).scaleb(-token.decimals):.2g} {token.symbol})"
        )
    return raw


def transfer_amount(raw: int, token: Token) -> int:
    """`raw` if an L2 transfer can carry it exactly. Transfers pack their amount into 40 bits (about ten
    significant digits, docs/protocol.md section 6); withdrawals carry any amount."""
    if not is_packable(raw):
        nearest = round_down_packable(raw)
        raise UserError(
            f"an L2 transfer carries an amount with at most 10 significant digits: "
            f"{token.format(raw)} cannot be sent exactly; {token.format(nearest)} can"
        )
    return raw


def l1_address(text: str, home: Path, what: str = "--to") -> tuple[str, str | None]:
    """(checksummed address, wallet name or None) for a wallet name or a 0x-address of 40 hex digits.
    A mixed-case address must carry a valid EIP-55 checksum (all lower or all upper case carries none)."""
    text = text.strip()
    if NAME_RE.match(text) and (wallet_dir(home) / f"{text}.json").is_file():
        from orchestrator.wallet.keys import load_wallet

        return load_wallet(home, text).address, text
    if _HEX_ADDRESS.match(text):
        digits = text[2:]
        mixed = digits != digits.lower() and digits != digits.upper()
        if mixed and not is_checksum_address(text):
            raise UserError(
                f"{what} {text}: the address's checksum (its mix of upper and lower case) is wrong; "
                "check for a typo"
            )
        return to_checksum_address(text), None
    if text.startswith(("0x", "0X")):
        raise UserError(f"{what} {text}: an L1 address is 0x followed by exactly 40 hex digits")
    raise UserError(f"{what} {text}: no wallet named {text!r} and not a 0x-address (40 hex digits)")
