"""Protocol constants and circuit profiles (docs/protocol.md sections 1, 2, 6 and 7).

Everything here is a fixed number of the protocol: operation type codes and record sizes (from ops.py),
the header size, the bit widths of the fields, the data-availability modes, and the three circuit shapes a
deployment can choose from (each in either mode: a profile is a shape and a mode).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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


ROLLUP = "rollup"
"""Data mode: the L2 section is on the primary chain (docs/protocol.md section 7)."""
VALIDIUM = "validium"
"""Data mode: only the L2 section's hash is on chain; a data-availability committee holds the section."""
MODES = (ROLLUP, VALIDIUM)
DATA_HASH_BYTES = 32
"""A Validium L2-section commitment: sha256 of the L2 section."""


@dataclass(frozen=True)
class Profile:
    """One circuit: a shape (tree depth `depth` in binary levels, even, and the slots per block) and the
    data mode, which decides the L2-section commitment. `name` is the shape's (`test`, `dev`, `bench`);
    `circuit` names the circuit, the shape's name in rollup mode and `<name>_validium` otherwise."""

    name: str
    depth: int
    n_op: int
    n_tx: int
    mode: str = ROLLUP

    def __post_init__(self) -> None:
        if not 2 <= self.depth <= MAX_DEPTH or self.depth % 2:
            raise ConfigError(
                f"profile {self.name}: depth must be even and in 2..{MAX_DEPTH}, got {self.depth}"
            )
        if self.n_op < 1 or self.n_tx < 1:
            raise ConfigError(f"profile {self.name}: n_op and n_tx must be at least 1")
        if self.mode not in MODES:
            known = ", ".join(MODES)
            raise ConfigError(f"profile {self.name}: unknown data mode {self.mode!r} (known: {known})")

    @property
    def circuit(self) -> str:
        """The circuit's name: circuits/main/<circuit>.circom, and the key of its caches."""
        return self.name if self.mode == ROLLUP else f"{self.name}_{self.mode}"

    @property
    def validium(self) -> bool:
        return self.mode == VALIDIUM

    def in_mode(self, mode: str) -> Profile:
        """The same shape in data mode `mode`."""
        return replace(self, mode=mode)

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

    @property
    def committed_data_bytes(self) -> int:
        """The on-chain section and the L2-section commitment: what the block commitment hashes after the
        header (in rollup mode, the whole public data)."""
        l2 = DATA_HASH_BYTES if self.validium else self.n_tx * L2_RECORD_BYTES
        return self.n_op * OP_RECORD_BYTES + l2


SHAPES = (
    Profile("test", depth=8, n_op=2, n_tx=2),
    Profile("dev", depth=16, n_op=2, n_tx=4),
    Profile("bench", depth=24, n_op=4, n_tx=16),
)
PROFILES: dict[str, Profile] = {p.name: p for p in SHAPES}
"""The shapes by name (rollup mode): what `[rollup] profile` names."""
CIRCUITS: dict[str, Profile] = {p.circuit: p for shape in SHAPES for p in (shape, shape.in_mode(VALIDIUM))}
"""Every circuit by its name: each shape in each mode."""


def get_profile(name: str, mode: str = ROLLUP) -> Profile:
    """The shape called `name` (or the circuit called so, `test_validium`) in data mode `mode`; raises
    `ConfigError` naming the known ones otherwise."""
    if name in CIRCUITS and name not in PROFILES:
        return CIRCUITS[name]
    try:
        shape = PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown circuit profile {name!r}; known: {', '.join(PROFILES)}") from None
    if mode not in MODES:
        raise ConfigError(f"unknown data mode {mode!r}; known: {', '.join(MODES)}")
    return shape if mode == shape.mode else shape.in_mode(mode)
