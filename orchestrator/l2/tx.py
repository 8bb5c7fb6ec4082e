"""Transactions, priority requests and the public-data records they produce (protocol.md sections 4, 6).

Signed on L2: `Transfer` (an L2 slot, 14-byte record) and `Withdraw` (an on-chain slot, 64-byte record).
From a chain's priority queue: `Deposit` and `FullExit` (on-chain slots). Constructors check types and
the ranges the encodings need, raising `TxRejected("malformed" | "bad_chain" | "amount_too_large")`;
whether an operation fits the state is `L2State`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Self, TypeGuard

from orchestrator.crypto.eddsa import (
    PrivateKey,
    PublicKey,
    Signature,
    prv2pub,
    sign_poseidon,
    verify_poseidon,
)
from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import TxRejected
from orchestrator.l2.amounts import pack_amount, unpack_amount
from orchestrator.l2.ops import BY_CODE, L2_CODES, ONCHAIN_CODES, OpKind
from orchestrator.l2.params import (
    ADDRESS_BITS,
    BALANCE_BITS,
    DEPOSIT,
    DOMAIN_BITS,
    FULL_EXIT,
    INDEX_BITS,
    L2_RECORD_BYTES,
    MAX_CHAIN_ID,
    MIN_CHAIN_ID,
    NONCE_BITS,
    NOOP,
    OP_RECORD_BYTES,
    PACKED_AMOUNT_BITS,
    PKH_BITS,
    TOKEN_BITS,
    TRANSFER,
    WITHDRAW,
)


def _uint(value: object, bits: int, what: str) -> None:
    if type(value) is not int or not 0 <= value < 1 << bits:
        raise TxRejected("malformed", f"{what} must be an int in [0, 2^{bits}), got {value!r}")


def _amount(value: object, what: str = "amount") -> None:
    if type(value) is not int or value < 0:
        raise TxRejected("malformed", f"{what} must be a non-negative int, got {value!r}")
    if value >> BALANCE_BITS:
        raise TxRejected("amount_too_large", f"{what} must be below 2^{BALANCE_BITS}, got {value}")


def _chain(value: object) -> None:
    if type(value) is not int or not MIN_CHAIN_ID <= value <= MAX_CHAIN_ID:
        raise TxRejected(
            "bad_chain", f"rollup chain id must be {MIN_CHAIN_ID}..{MAX_CHAIN_ID}, got {value!r}"
        )


def _check_domain(domain: int) -> None:
    if type(domain) is not int or not 0 <= domain < 1 << DOMAIN_BITS:
        raise TxRejected("malformed", f"domain must be an int in [0, 2^{DOMAIN_BITS}), got {domain!r}")


def _key_and_sig(public_key: object, signature: object) -> None:
    if public_key is not None and not isinstance(public_key, PublicKey):
        raise TxRejected("malformed", "public_key must be a PublicKey")
    if signature is not None and not isinstance(signature, Signature):
        raise TxRejected("malformed", "signature must be a Signature")


def signed_message(domain: int, tx_type: int, from_index: int, to: int, amount: int, aux: int) -> int:
    """m = Poseidon_6(domain, type, from, to, amount, aux) (section 4)."""
    _check_domain(domain)
    return poseidon([domain, tx_type, from_index, to, amount, aux])


def _verify(public_key: PublicKey | None, signature: Signature | None, message: int) -> bool:
    if public_key is None or signature is None:
        return False
    return verify_poseidon(public_key, message, signature)


def signature_fields(public_key: PublicKey | None, signature: Signature | None) -> list[int]:
    """[Ax, Ay, R8x, R8y, S] as the circuit takes it; all zero when unsigned."""
    if public_key is None or signature is None:
        return [0, 0, 0, 0, 0]
    return [public_key.x, public_key.y, signature.r8x, signature.r8y, signature.s]


# -- records --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpRecord:
    """A 64-byte on-chain operation record (Noop, Deposit, Withdraw, FullExit)."""

    type: int = NOOP
    chain: int = 0
    account: int = 0
    token: int = 0
    amount: int = 0
    address: int = 0
    pkh: int = 0

    def __post_init__(self) -> None:
        if self.type not in ONCHAIN_CODES:
            raise TxRejected("malformed", f"not an on-chain operation type: {self.type!r}")
        _uint(self.chain, 8, "chain")
        _uint(self.account, INDEX_BITS, "account index")
        _uint(self.token, TOKEN_BITS, "token")
        _uint(self.amount, BALANCE_BITS, "amount")
        _uint(self.address, ADDRESS_BITS, "address")
        _uint(self.pkh, PKH_BITS, "pkh")

    def encode(self) -> bytes:
        return b"".join(
            (
                self.type.to_bytes(1, "big"),
                self.chain.to_bytes(1, "big"),
                self.account.to_bytes(4, "big"),
                self.token.to_bytes(2, "big"),
                self.amount.to_bytes(16, "big"),
                self.address.to_bytes(20, "big"),
                self.pkh.to_bytes(20, "big"),
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> OpRecord:
        if len(data) != OP_RECORD_BYTES:
            raise TxRejected("malformed", f"an on-chain record is {OP_RECORD_BYTES} bytes, got {len(data)}")

        def field(start: int, end: int) -> int:
            return int.from_bytes(data[start:end], "big")

        return cls(
            field(0, 1), field(1, 2), field(2, 6), field(6, 8), field(8, 24), field(24, 44), field(44, 64)
        )


@dataclass(frozen=True)
class L2Record:
    """A 14-byte L2 record (Noop, Transfer)."""

    type: int = NOOP
    from_index: int = 0
    to_index: int = 0
    packed_amount: int = 0

    def __post_init__(self) -> None:
        if self.type not in L2_CODES:
            raise TxRejected("malformed", f"not an L2 record type: {self.type!r}")
        _uint(self.from_index, INDEX_BITS, "from index")
        _uint(self.to_index, INDEX_BITS, "to index")
        _uint(self.packed_amount, PACKED_AMOUNT_BITS, "packed amount")

    @property
    def amount(self) -> int:
        return unpack_amount(self.packed_amount)

    def encode(self) -> bytes:
        return (
            self.type.to_bytes(1, "big")
            + self.from_index.to_bytes(4, "big")
            + self.to_index.to_bytes(4, "big")
            + self.packed_amount.to_bytes(5, "big")
        )

    @classmethod
    def decode(cls, data: bytes) -> L2Record:
        if len(data) != L2_RECORD_BYTES:
            raise TxRejected("malformed", f"an L2 record is {L2_RECORD_BYTES} bytes, got {len(data)}")
        return cls(
            data[0],
            int.from_bytes(data[1:5], "big"),
            int.from_bytes(data[5:9], "big"),
            int.from_bytes(data[9:14], "big"),
        )


NOOP_OP_RECORD = OpRecord()
NOOP_L2_RECORD = L2Record()


# -- signed on L2 ---------------------------------------------------------------------------------------


class _SignedOnL2:
    """What Transfer and Withdraw share: the sender's fields and their checks, and signing (each kind
    defines `message(domain)`)."""

    from_index: int
    amount: int
    nonce: int
    public_key: PublicKey | None
    signature: Signature | None

    def _check_sender_fields(self) -> None:
        _uint(self.from_index, INDEX_BITS, "from index")
        _amount(self.amount)
        _uint(self.nonce, NONCE_BITS, "nonce")
        _key_and_sig(self.public_key, self.signature)

    def message(self, domain: int) -> int:
        raise NotImplementedError

    def sign(self, private_key: PrivateKey | bytes, domain: int) -> Self:
        """A copy carrying the signer's public key and signature of `message(domain)`."""
        signature = sign_poseidon(private_key, self.message(domain))
        return replace(self, public_key=prv2pub(private_key), signature=signature)  # type: ignore[type-var]

    def accounts(self) -> frozenset[int]:
        """The L2 accounts it touches."""
        return frozenset({self.from_index})

    def verify_signature(self, domain: int) -> bool:
        """True iff signed and the signature verifies for `message(domain)` (ownership not checked)."""
        return _verify(self.public_key, self.signature, self.message(domain))

    def signature_fields(self) -> list[int]:
        return signature_fields(self.public_key, self.signature)


@dataclass(frozen=True)
class Transfer(_SignedOnL2):
    """Move `amount` from account `from_index` to `to_index`, signed by the sender at `nonce`."""

    KIND: ClassVar[OpKind] = BY_CODE[TRANSFER]
    from_index: int
    to_index: int
    amount: int
    nonce: int
    public_key: PublicKey | None = None
    signature: Signature | None = None

    def __post_init__(self) -> None:
        self._check_sender_fields()
        _uint(self.to_index, INDEX_BITS, "to index")

    def accounts(self) -> frozenset[int]:
        return frozenset({self.from_index, self.to_index})

    def message(self, domain: int) -> int:
        return signed_message(domain, TRANSFER, self.from_index, self.to_index, self.amount, self.nonce)

    def record(self) -> L2Record:
        """The 14-byte record; raises `TxRejected("amount_not_packable")` for an unpackable amount."""
        return L2Record(TRANSFER, self.from_index, self.to_index, pack_amount(self.amount))


@dataclass(frozen=True)
class Withdraw(_SignedOnL2):
    """Pay `amount` of the sender account's token to `address` on rollup chain `chain`."""

    KIND: ClassVar[OpKind] = BY_CODE[WITHDRAW]
    from_index: int
    chain: int
    address: int
    amount: int
    nonce: int
    public_key: PublicKey | None = None
    signature: Signature | None = None

    def __post_init__(self) -> None:
        self._check_sender_fields()
        _chain(self.chain)
        _uint(self.address, ADDRESS_BITS, "address")

    def message(self, domain: int) -> int:
        aux = self.nonce + (self.chain << NONCE_BITS)
        return signed_message(domain, WITHDRAW, self.from_index, self.address, self.amount, aux)

    def record(self, token: int) -> OpRecord:
        """The record, given the sender account's token (the transaction does not name it)."""
        return OpRecord(WITHDRAW, self.chain, self.from_index, token, self.amount, self.address, 0)


# -- from a chain's priority queue ----------------------------------------------------------------------


class _FromQueue:
    """What Deposit and FullExit share: the L1 sender authorised them, so they carry no L2 signature."""

    def signature_fields(self) -> list[int]:
        """All zero: the slot's signature inputs are unused (the circuit enables the verifier only for
        signed kinds)."""
        return signature_fields(None, None)


@dataclass(frozen=True)
class Deposit(_FromQueue):
    """Priority request `serial` of chain `chain`: credit `amount` of `token` to (pkh, address)."""

    KIND: ClassVar[OpKind] = BY_CODE[DEPOSIT]
    chain: int
    serial: int
    token: int
    amount: int
    address: int
    pkh: int

    def __post_init__(self) -> None:
        _chain(self.chain)
        _uint(self.serial, 64, "priority serial id")
        _uint(self.token, TOKEN_BITS, "token")
        _amount(self.amount)
        _uint(self.address, ADDRESS_BITS, "address")
        _uint(self.pkh, PKH_BITS, "pkh")

    def record(self, account: int) -> OpRecord:
        """The record once the sequencer chose the account index."""
        return OpRecord(DEPOSIT, self.chain, account, self.token, self.amount, self.address, self.pkh)


@dataclass(frozen=True)
class FullExit(_FromQueue):
    """Priority request `serial` of chain `chain`: exit all of `token` held by `account_index` if
    `address` owns it."""

    KIND: ClassVar[OpKind] = BY_CODE[FULL_EXIT]
    chain: int
    serial: int
    account_index: int
    token: int
    address: int

    def __post_init__(self) -> None:
        _chain(self.chain)
        _uint(self.serial, 64, "priority serial id")
        _uint(self.account_index, INDEX_BITS, "account index")
        _uint(self.token, TOKEN_BITS, "token")
        _uint(self.address, ADDRESS_BITS, "address")

    def record(self, exited: int) -> OpRecord:
        """The record, with the amount the state decided (the balance, or 0 for a non-owner)."""
        return OpRecord(FULL_EXIT, self.chain, self.account_index, self.token, exited, self.address, 0)


OnChainOp = Deposit | Withdraw | FullExit
"""What goes in an on-chain slot."""
PriorityOp = Deposit | FullExit
"""What a chain's priority queue holds: the classes of ops.py's priority kinds."""


def is_priority_op(op: object) -> TypeGuard[PriorityOp]:
    """True for a request from a chain's priority queue (its kind's `priority` in ops.py), so callers
    narrow by the table instead of listing classes."""
    kind = getattr(type(op), "KIND", None)
    return isinstance(kind, OpKind) and kind.priority
