"""Accounts: the leaves of the state tree (docs/protocol.md sections 4 and 5).

An account is `(pkh, eth_address, token, balance, nonce)`, one token per account. Its leaf is
`Poseidon_5` of the five fields. All fields are plain ints; Ethereum addresses are 160-bit ints
(`address_to_int` converts the usual hex form).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from orchestrator.crypto.eddsa import PublicKey
from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import TxRejected
from orchestrator.l2.params import ADDRESS_BITS, BALANCE_BITS, NONCE_BITS, PKH_BITS, TOKEN_BITS

_PKH_MASK = (1 << PKH_BITS) - 1


@lru_cache(maxsize=1 << 16)
def public_key_hash(ax: int, ay: int) -> int:
    """pkh = Poseidon_2(Ax, Ay) mod 2^160 (cached: a user signs many transactions with one key)."""
    return poseidon([ax, ay]) & _PKH_MASK


def pkh_of(public_key: PublicKey) -> int:
    """`public_key_hash` of a `PublicKey`."""
    return public_key_hash(public_key.x, public_key.y)


def address_to_int(address: str | bytes | int) -> int:
    """An Ethereum address as a 160-bit int, from "0x..." hex (any case), 20 bytes, or an int."""
    if isinstance(address, bool):
        raise TxRejected("bad_address", f"not an Ethereum address: {address!r}")
    if isinstance(address, int):
        value = address
    elif isinstance(address, bytes | bytearray):
        if len(address) != 20:
            raise TxRejected("bad_address", f"an Ethereum address is 20 bytes, got {len(address)}")
        value = int.from_bytes(address, "big")
    elif isinstance(address, str):
        text = address[2:] if address[:2].lower() == "0x" else address
        if len(text) != 40:
            raise TxRejected("bad_address", f"an Ethereum address is 40 hex digits: {address!r}")
        try:
            value = int(text, 16)
        except ValueError:
            raise TxRejected("bad_address", f"not a hex Ethereum address: {address!r}") from None
    else:
        raise TxRejected("bad_address", f"not an Ethereum address: {address!r}")
    if not 0 <= value < 1 << ADDRESS_BITS:
        raise TxRejected("bad_address", f"an Ethereum address is 160 bits, got {value}")
    return value


def int_to_address(value: int) -> str:
    """The 0x-prefixed lower-case hex form of a 160-bit address int."""
    return "0x" + value.to_bytes(20, "big").hex()


def _check_uint(value: object, bits: int, what: str) -> None:
    if type(value) is not int or not 0 <= value < 1 << bits:
        raise TxRejected("malformed", f"account {what} must be an int in [0, 2^{bits}), got {value!r}")


@dataclass(frozen=True)
class Account:
    """One state-tree leaf. `EMPTY` (all zero) is the empty account; an account exists when pkh != 0."""

    pkh: int = 0
    eth_address: int = 0
    token: int = 0
    balance: int = 0
    nonce: int = 0

    def __post_init__(self) -> None:
        _check_uint(self.pkh, PKH_BITS, "pkh")
        _check_uint(self.eth_address, ADDRESS_BITS, "eth_address")
        _check_uint(self.token, TOKEN_BITS, "token")
        _check_uint(self.balance, BALANCE_BITS, "balance")
        _check_uint(self.nonce, NONCE_BITS, "nonce")

    @property
    def exists(self) -> bool:
        return self.pkh != 0

    @property
    def is_empty(self) -> bool:
        return self == EMPTY

    def fields(self) -> list[int]:
        """[pkh, eth_address, token, balance, nonce]: the leaf as the circuit takes it."""
        return [self.pkh, self.eth_address, self.token, self.balance, self.nonce]

    @cached_property
    def leaf_hash(self) -> int:
        """Poseidon_5(pkh, eth_address, token, balance, nonce)."""
        return poseidon(self.fields())

    def with_balance(self, balance: int) -> Account:
        return replace(self, balance=balance)

    def debit(self, amount: int, *, bump_nonce: bool) -> Account:
        """The account after paying `amount` (the caller checked the balance and the nonce range)."""
        return Account(self.pkh, self.eth_address, self.token, self.balance - amount, self.nonce + bump_nonce)

    def credit(self, amount: int) -> Account:
        """The account after receiving `amount` (the caller checked for overflow)."""
        return Account(self.pkh, self.eth_address, self.token, self.balance + amount, self.nonce)


EMPTY = Account()
"""The empty leaf; its hash is Z_0."""
