"""The table of operation kinds (docs/protocol.md section 6): one row per kind, every fact the rest of
the Python side needs about it. Code that asks "is this a priority request?", "does it pay out?" or
"which slot does it take?" looks it up here instead of listing kinds, so adding a kind is one row here
plus the codec and rules the checklist in docs/protocol.md ("Adding an operation kind") names.

The Solidity counterpart is `Operations.OpType` (contracts/libraries/Operations.sol), the circuit's
`OnchainOpSelector` (circuits/lib/onchain_op.circom); the type codes must agree with both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

from orchestrator.errors import TxRejected

# Operation types: one byte at offset 0 of every record. Plain ints: they go into records, JSON,
# SQLite and the circuit input as they are.
NOOP: Final = 0
DEPOSIT: Final = 1
WITHDRAW: Final = 2
FULL_EXIT: Final = 3
TRANSFER: Final = 4

OP_RECORD_BYTES: Final = 64
"""On-chain operation record (Noop, Deposit, Withdraw, FullExit)."""
L2_RECORD_BYTES: Final = 14
"""L2 record (Noop, Transfer)."""


class Slot(Enum):
    """The two kinds of block slot: on-chain slots come first, L2 slots after (section 6)."""

    ONCHAIN = OP_RECORD_BYTES
    L2 = L2_RECORD_BYTES

    @property
    def record_bytes(self) -> int:
        return int(self.value)


@dataclass(frozen=True)
class OpKind:
    """One operation kind.

    `slots`: the slots it may fill (Noop pads both). `priority`: it comes from a chain's priority queue,
    so every chain checks its own such records against its queue at commit and retires them at
    execution. `signed`: signed on L2 by the account's key (the signed message's type is `code`).
    `pays_out`: execution credits its amount as a pending balance on the record's chain.
    """

    code: int
    name: str
    slots: frozenset[Slot]
    priority: bool = False
    signed: bool = False
    pays_out: bool = False

    @property
    def is_noop(self) -> bool:
        return self.code == NOOP

    @property
    def onchain(self) -> bool:
        """Takes an on-chain slot (a 64-byte record that carries a chain id)."""
        return Slot.ONCHAIN in self.slots

    @property
    def l2(self) -> bool:
        """Takes an L2 slot (a 14-byte record; the L2 section, which chains never parse)."""
        return Slot.L2 in self.slots


_BOTH = frozenset(Slot)
_ONCHAIN = frozenset({Slot.ONCHAIN})
_L2 = frozenset({Slot.L2})

KINDS: Final = (
    OpKind(NOOP, "Noop", _BOTH),
    OpKind(DEPOSIT, "Deposit", _ONCHAIN, priority=True),
    OpKind(WITHDRAW, "Withdraw", _ONCHAIN, signed=True, pays_out=True),
    OpKind(FULL_EXIT, "FullExit", _ONCHAIN, priority=True, pays_out=True),
    OpKind(TRANSFER, "Transfer", _L2, signed=True),
)
"""Every operation kind, by type code."""

BY_CODE: Final = MappingProxyType({k.code: k for k in KINDS})
assert len(BY_CODE) == len(KINDS), "type codes must be unique"

ONCHAIN_CODES: Final = frozenset(k.code for k in KINDS if k.onchain)
L2_CODES: Final = frozenset(k.code for k in KINDS if k.l2)
PRIORITY_CODES: Final = frozenset(k.code for k in KINDS if k.priority)
PAYOUT_CODES: Final = frozenset(k.code for k in KINDS if k.pays_out)


def kind(code: int) -> OpKind:
    """The kind of type byte `code`; raises `TxRejected("malformed")` for an unknown one."""
    found = BY_CODE.get(code) if type(code) is int else None
    if found is None:
        raise TxRejected("malformed", f"unknown operation type {code!r}")
    return found


def kind_of(op: object) -> OpKind:
    """The kind of a transaction or priority request object (its class's `KIND`, see tx.py);
    raises `TxRejected("malformed")` for anything else."""
    found = getattr(type(op), "KIND", None)
    if not isinstance(found, OpKind):
        raise TxRejected("malformed", f"not an operation: {type(op).__name__}")
    return found


def is_priority(code: int) -> bool:
    """A record of this type must match the next request of its chain's priority queue."""
    return kind(code).priority


def pays_out(code: int) -> bool:
    """Executing a record of this type credits its amount to its address on its chain."""
    return kind(code).pays_out
