"""A small, independent Python reference of what the block circuit computes (docs/protocol.md).

It is deliberately separate from orchestrator/l2 (the production model): the circuit tests check the
circuits against this reading of the spec, and test_block_model.py checks them against the model too.
It validates nothing beyond what it needs: negative tests build invalid inputs on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrator.crypto.eddsa import PrivateKey, Signature, sign_poseidon
from orchestrator.crypto.field import R
from orchestrator.crypto.poseidon import poseidon

NOOP, DEPOSIT, WITHDRAW, FULL_EXIT, TRANSFER = 0, 1, 2, 3, 4
MASK_160 = (1 << 160) - 1
ZERO_SIG = [0, 0, 0, 0, 0]

Leaf = tuple[int, int, int, int, int]
EMPTY_LEAF: Leaf = (0, 0, 0, 0, 0)


def leaf_hash(leaf: Sequence[int]) -> int:
    return poseidon(list(leaf))


def pkh_of(key: PrivateKey) -> int:
    pub = key.public_key
    return poseidon([pub.x, pub.y]) & MASK_160


def key(seed: int) -> PrivateKey:
    return PrivateKey(seed.to_bytes(32, "big"))


def pack_amount(mantissa: int, exponent: int) -> int:
    assert 0 <= mantissa < 1 << 35 and 0 <= exponent < 32
    return mantissa << 5 | exponent


def unpack_amount(packed: int) -> int:
    mantissa, exponent = packed >> 5, packed & 31
    return mantissa * int(10**exponent)


def message(domain: int, type_: int, from_: int, to: int, amount: int, aux: int) -> int:
    return poseidon([domain, type_, from_, to, amount, aux])


def sig_input(key_: PrivateKey, sig: Signature) -> list[int]:
    pub = key_.public_key
    return [pub.x, pub.y, sig.r8x, sig.r8y, sig.s]


def sign(key_: PrivateKey, msg: int) -> list[int]:
    return sig_input(key_, sign_poseidon(key_, msg))


class Tree:
    """Sparse quaternary Poseidon tree of `depth` binary levels (docs/protocol.md section 5)."""

    def __init__(self, depth: int) -> None:
        assert depth % 2 == 0
        self.levels = depth // 2
        zero = [leaf_hash(EMPTY_LEAF)]
        for _ in range(self.levels):
            zero.append(poseidon([zero[-1]] * 4))
        self.zero = zero
        self.nodes: list[dict[int, int]] = [{} for _ in range(self.levels + 1)]
        self.leaves: dict[int, Leaf] = {}

    def node(self, level: int, position: int) -> int:
        return self.nodes[level].get(position, self.zero[level])

    @property
    def root(self) -> int:
        return self.node(self.levels, 0)

    def leaf(self, index: int) -> Leaf:
        return self.leaves.get(index, EMPTY_LEAF)

    def set(self, index: int, leaf: Leaf) -> None:
        self.leaves[index] = leaf
        self.nodes[0][index] = leaf_hash(leaf)
        for level in range(1, self.levels + 1):
            position = index >> (2 * level)
            children = [self.node(level - 1, 4 * position + c) for c in range(4)]
            self.nodes[level][position] = poseidon(children)

    def proof(self, index: int) -> list[list[int]]:
        path = []
        for level in range(self.levels):
            position = index >> (2 * level)
            base = position & ~3
            path.append([self.node(level, base + c) for c in range(4) if base + c != position])
        return path


def op_record(type_: int, chain: int, account: int, token: int, amount: int, address: int, pkh: int) -> bytes:
    return (
        bytes([type_, chain])
        + account.to_bytes(4, "big")
        + token.to_bytes(2, "big")
        + amount.to_bytes(16, "big")
        + address.to_bytes(20, "big")
        + pkh.to_bytes(20, "big")
    )


def l2_record(type_: int, from_: int, to: int, packed: int) -> bytes:
    return bytes([type_]) + from_.to_bytes(4, "big") + to.to_bytes(4, "big") + packed.to_bytes(5, "big")


def header(domain: int, number: int, timestamp: int, old_root: int, new_root: int) -> bytes:
    return (
        domain.to_bytes(32, "big")
        + number.to_bytes(8, "big")
        + timestamp.to_bytes(8, "big")
        + old_root.to_bytes(32, "big")
        + new_root.to_bytes(32, "big")
    )


def public_input(message_bytes: bytes) -> int:
    return int.from_bytes(hashlib.sha256(message_bytes).digest(), "big") % (1 << 253)


def bits_msb_first(data: bytes) -> list[int]:
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]


@dataclass
class BlockBuilder:
    """Applies operations to a tree and collects the Block circuit's input (circuits/README.md).

    Each method applies the protocol rule without checking it, so tests can also build invalid blocks.
    """

    depth: int
    n_op: int
    n_tx: int
    domain: int
    tree: Tree
    inputs: dict[str, list[Any]] = field(default_factory=dict)
    op_records: list[bytes] = field(default_factory=list)
    tx_records: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.old_root = self.tree.root
        for name in (
            "op_type",
            "op_chain",
            "op_account",
            "op_token",
            "op_amount",
            "op_address",
            "op_pkh",
            "op_leaf",
            "op_path",
            "op_sig",
            "tx_type",
            "tx_from",
            "tx_to",
            "tx_amount_packed",
            "tx_from_leaf",
            "tx_from_path",
            "tx_to_leaf",
            "tx_to_path",
            "tx_sig",
        ):
            self.inputs[name] = []

    def _op(
        self,
        type_: int,
        chain: int,
        account: int,
        token: int,
        amount: int,
        address: int,
        pkh: int,
        new_leaf: Leaf | None,
        sig: list[int],
    ) -> None:
        assert len(self.op_records) < self.n_op
        values = (type_, chain, account, token, amount, address, pkh)
        for name, value in zip(
            ("op_type", "op_chain", "op_account", "op_token", "op_amount", "op_address", "op_pkh"),
            values,
            strict=True,
        ):
            self.inputs[name].append(value)
        self.inputs["op_leaf"].append(list(self.tree.leaf(account)))
        self.inputs["op_path"].append(self.tree.proof(account))
        self.inputs["op_sig"].append(sig)
        self.op_records.append(op_record(*values))
        if new_leaf is not None:
            self.tree.set(account, new_leaf)

    def op_noop(self) -> None:
        self._op(NOOP, 0, 0, 0, 0, 0, 0, None, ZERO_SIG)

    def deposit(self, chain: int, account: int, token: int, amount: int, address: int, pkh: int) -> None:
        old = self.tree.leaf(account)
        self._op(
            DEPOSIT,
            chain,
            account,
            token,
            amount,
            address,
            pkh,
            (pkh, address, token, old[3] + amount, old[4]),
            ZERO_SIG,
        )

    def withdraw(
        self,
        key_: PrivateKey,
        chain: int,
        account: int,
        amount: int,
        address: int,
        sign_amount: int | None = None,
        sign_nonce: int | None = None,
    ) -> None:
        old = self.tree.leaf(account)
        nonce = old[4] if sign_nonce is None else sign_nonce
        msg = message(
            self.domain,
            WITHDRAW,
            account,
            address,
            amount if sign_amount is None else sign_amount,
            nonce + (chain << 32),
        )
        self._op(
            WITHDRAW,
            chain,
            account,
            old[2],
            amount,
            address,
            0,
            (old[0], old[1], old[2], (old[3] - amount) % R, old[4] + 1),
            sign(key_, msg),
        )

    def full_exit(self, chain: int, account: int, token: int, address: int) -> None:
        old = self.tree.leaf(account)
        owner = old[0] != 0 and old[1] == address and old[2] == token
        amount = old[3] if owner else 0
        self._op(
            FULL_EXIT,
            chain,
            account,
            token,
            amount,
            address,
            0,
            (old[0], old[1], old[2], old[3] - amount, old[4]),
            ZERO_SIG,
        )

    def tx_noop(self) -> None:
        assert len(self.tx_records) < self.n_tx
        zero_path = [[0, 0, 0] for _ in range(self.tree.levels)]
        for name, value in (
            ("tx_type", 0),
            ("tx_from", 0),
            ("tx_to", 0),
            ("tx_amount_packed", 0),
            ("tx_from_leaf", [0] * 5),
            ("tx_from_path", zero_path),
            ("tx_to_leaf", [0] * 5),
            ("tx_to_path", zero_path),
            ("tx_sig", ZERO_SIG),
        ):
            self.inputs[name].append(value)
        self.tx_records.append(l2_record(0, 0, 0, 0))

    def transfer(
        self,
        key_: PrivateKey,
        from_: int,
        to: int,
        packed: int,
        sign_nonce: int | None = None,
        sign_to: int | None = None,
    ) -> None:
        assert len(self.tx_records) < self.n_tx
        amount = unpack_amount(packed)
        sender = self.tree.leaf(from_)
        nonce = sender[4] if sign_nonce is None else sign_nonce
        msg = message(self.domain, TRANSFER, from_, to if sign_to is None else sign_to, amount, nonce)
        self.inputs["tx_type"].append(TRANSFER)
        self.inputs["tx_from"].append(from_)
        self.inputs["tx_to"].append(to)
        self.inputs["tx_amount_packed"].append(packed)
        self.inputs["tx_from_leaf"].append(list(sender))
        self.inputs["tx_from_path"].append(self.tree.proof(from_))
        self.tree.set(from_, (sender[0], sender[1], sender[2], (sender[3] - amount) % R, sender[4] + 1))
        receiver = self.tree.leaf(to)
        self.inputs["tx_to_leaf"].append(list(receiver))
        self.inputs["tx_to_path"].append(self.tree.proof(to))
        self.tree.set(to, (receiver[0], receiver[1], receiver[2], receiver[3] + amount, receiver[4]))
        self.inputs["tx_sig"].append(sign(key_, msg))
        self.tx_records.append(l2_record(TRANSFER, from_, to, packed))

    def finish(self, number: int, timestamp: int) -> tuple[dict[str, Any], int]:
        """The circuit input and the expected public_input; pads the remaining slots with Noops."""
        while len(self.op_records) < self.n_op:
            self.op_noop()
        while len(self.tx_records) < self.n_tx:
            self.tx_noop()
        inputs: dict[str, Any] = {
            "domain": self.domain,
            "block_number": number,
            "timestamp": timestamp,
            "old_root": self.old_root,
            **self.inputs,
        }
        data = b"".join(self.op_records) + b"".join(self.tx_records)
        head = header(self.domain, number, timestamp, self.old_root, self.tree.root)
        return inputs, public_input(head + data)
