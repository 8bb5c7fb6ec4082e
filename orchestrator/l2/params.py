"""Protocol constants and circuit profiles (docs/protocol.md sections 1, 2, 6 and 7).

Everything here is a fixed number of the protocol: operation type codes and record sizes (from ops.py),
the header size, the bit widths of the fields, and the three circuit profiles a deployment can choose from.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.errors import ConfigError

# Operation types and record sizes (section 6) live in the table of operation kinds, ops.py; re-exported
# here, where the rest of the protocol's numbers are.
from orchestrator.l2.ops import DEPOSIT as DEPOSIT
from orchestrator.l2.ops import FULL_EXIT as FULL_EXIT
from orchestrator.l2.ops import L2_RECORD_BYTES as L2_RECORD_BYTES
from orchestrator.l2.ops import NOOP as NOOP
from orchestrator.l2.ops import OP_RECORD_BYTES as OP_RECORD_BYTES
from orchestrator.l2.ops import TRANSFER as TRANSFER
from orchestrator.l2.ops import WITHDRAW as WITHDRAW

HEADER_BYTES = 112
"""domain (32) || block_number (8) || timestamp (8) || old_root (32) || new_root (32)."""

# Field widths (section 2).
MAX_DEPTH = 32
"""Account indices are 4 bytes in public data, so a tree has at most 2^32 leaves."""
INDEX_BITS = 32
TOKEN_BITS = 16
BALANCE_BITS = 128
NONCE_BITS = 32
CHAIN_BITS = 8
ADDRESS_BITS = 160
PKH_BITS = 160
PACKED_AMOUNT_BITS = 40
DOMAIN_BITS = 248
BLOCK_NUMBER_BITS = 64
TIMESTAMP_BITS = 64
PUBLIC_INPUT_BITS = 253

MAX_BALANCE = (1 << BALANCE_BITS) - 1
"""Balances and L1 amounts stay below 2^128."""
MAX_NONCE = (1 << NONCE_BITS) - 1
MIN_CHAIN_ID = 1
MAX_CHAIN_ID = 8
"""Rollup chain ids are 1..8; 0 is never a chain."""
ETH_TOKEN = 0
"""L2 token id 0 is ETH on every chain."""


@dataclass(frozen=True)
class Profile:
    """One circuit shape: tree depth `depth` (binary levels, even) and the slots per block."""

    name: str
    depth: int
    n_op: int
    n_tx: int

    def __post_init__(self) -> None:
        if not 2 <= self.depth <= MAX_DEPTH or self.depth % 2:
            raise ConfigError(
                f"profile {self.name}: depth must be even and in 2..{MAX_DEPTH}, got {self.depth}"
            )
        if self.n_op < 1 or self.n_tx < 1:
            raise ConfigError(f"profile {self.name}: n_op and n_tx must be at least 1")

    @property
    def levels(self) -> int:
        """Quaternary levels L = D / 2 of the state tree."""
        return self.depth // 2

    @property
    def capacity(self) -> int:
        """Number of account indices, 2^D."""
        return 1 << self.depth

    @property
    def public_data_bytes(self) -> int:
        return self.n_op * OP_RECORD_BYTES + self.n_tx * L2_RECORD_BYTES


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("test", depth=8, n_op=2, n_tx=2),
        Profile("dev", depth=16, n_op=2, n_tx=4),
        Profile("bench", depth=24, n_op=4, n_tx=16),
    )
}


def get_profile(name: str) -> Profile:
    """The profile called `name`; raises `ConfigError` naming the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown circuit profile {name!r}; known: {', '.join(PROFILES)}") from None
