"""Small templates against Python: BytesBE, FieldBytesBE, TypeFlags, UnpackAmount, LeafHash, QuadDigits +
QuadPathRoot, LeafUpdate, PublicKeyHash, SignedTx and BlockCommitment."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.crypto.field import R
from orchestrator.prover.compile import CompiledCircuit
from tests.circuits import reference as ref
from tests.circuits.harness import fails, run

Circuit = Callable[[str], CompiledCircuit]
_RNG = random.Random(20240601)


def _bits_be(value: int, n_bytes: int) -> list[int]:
    return ref.bits_msb_first(value.to_bytes(n_bytes, "big"))


def test_bytes_be(circuit: Circuit, workdir: Path) -> None:
    c = circuit("bytes")
    for small, element in ((0, 0), (1023, R - 1), (0x2A5, 1 << 253), (5, (1 << 254) - 1 - R + (1 << 200))):
        element %= R
        out = run(c, {"small": small, "element": element}, workdir).outputs
        assert list(out[:32]) == _bits_be(small, 4)
        assert list(out[32:42]) == [(small >> i) & 1 for i in range(10)]
        assert list(out[42:]) == _bits_be(element, 32)
    # 2^10 does not fit 10 bits.
    assert fails(c, {"small": 1024, "element": 0}, workdir)


def test_type_flags_are_one_hot_for_every_value(circuit: Circuit, workdir: Path) -> None:
    c = circuit("type_flags")  # as a main its flags are public, so their linear constraints stay
    for value in range(8):
        out = run(c, {"in": value}, workdir).outputs
        assert list(out[:8]) == _bits_be(value, 1)
        assert list(out[8:]) == [int(v == value) for v in range(8)]
    assert fails(c, {"in": 8}, workdir)


@pytest.mark.parametrize(
    ("mantissa", "exponent"),
    [(0, 0), (1, 0), (12345, 3), ((1 << 35) - 1, 31), (1, 31), (999, 18), ((1 << 35) - 1, 0), (7, 16)],
)
def test_unpack_amount(circuit: Circuit, workdir: Path, mantissa: int, exponent: int) -> None:
    packed = ref.pack_amount(mantissa, exponent)
    out = run(circuit("amount"), {"packed": packed}, workdir).outputs
    assert out[0] == mantissa * 10**exponent
    assert list(out[1:]) == _bits_be(packed, 5)


def test_unpack_amount_rejects_41_bits(circuit: Circuit, workdir: Path) -> None:
    assert fails(circuit("amount"), {"packed": 1 << 40}, workdir)


def test_leaf_hash(circuit: Circuit, workdir: Path) -> None:
    for leaf in ([0] * 5, [1, 2, 3, 4, 5], [_RNG.randrange(R) for _ in range(5)]):
        assert run(circuit("leaf_hash"), {"fields": leaf}, workdir).outputs == (ref.leaf_hash(leaf),)


def test_quad_path_root_every_position(circuit: Circuit, workdir: Path) -> None:
    tree = ref.Tree(6)
    for index in (0, 5, 22, 63, 40):
        tree.set(index, (index + 1, 2, 3, 4, 5))
    c = circuit("quad_path")
    # Every digit value 0..3 occurs at every level across these indices.
    for index in (0, 1, 2, 3, 5, 22, 27, 40, 63):
        inputs: dict[str, Any] = {
            "leaf": ref.leaf_hash(tree.leaf(index)),
            "index": index,
            "siblings": tree.proof(index),
        }
        assert run(c, inputs, workdir).outputs == (tree.root,)


def test_leaf_update(circuit: Circuit, workdir: Path) -> None:
    c = circuit("leaf_update")
    tree = ref.Tree(4)
    tree.set(6, (7, 8, 9, 10, 11))
    tree.set(9, (1, 1, 1, 1, 1))
    for index in (6, 9, 15, 0):
        old = tree.leaf(index)
        new = (old[0] + 1, 2, 3, old[3] + 5, old[4] + 1)
        inputs = {
            "enabled": 1,
            "old_root": tree.root,
            "index": index,
            "old_leaf": list(old),
            "new_leaf": list(new),
            "siblings": tree.proof(index),
        }
        after = ref.Tree(4)
        after.nodes = [dict(level) for level in tree.nodes]
        after.set(index, new)
        assert run(c, inputs, workdir).outputs == (after.root,)
        # A wrong old leaf, a wrong index or a wrong root is rejected when enabled ...
        assert fails(c, {**inputs, "old_leaf": [old[0], old[1], old[2], old[3] + 1, old[4]]}, workdir)
        if old != ref.EMPTY_LEAF:  # an empty leaf among empty siblings sits equally well anywhere
            assert fails(c, {**inputs, "index": index ^ 1}, workdir)
        assert fails(c, {**inputs, "old_root": tree.root + 1}, workdir)
        # ... and ignored (root unchanged) when disabled.
        disabled = {**inputs, "enabled": 0, "old_leaf": [1, 2, 3, 4, 5]}
        assert run(c, disabled, workdir).outputs == (tree.root,)


def test_public_key_hash(circuit: Circuit, workdir: Path) -> None:
    for seed in (1, 2, 99):
        k = ref.key(seed)
        out = run(circuit("pubkey"), {"Ax": k.public_key.x, "Ay": k.public_key.y}, workdir).outputs
        assert out == (ref.pkh_of(k),)


def _signed_inputs(domain: int, seed: int = 7) -> tuple[dict[str, Any], int]:
    k = ref.key(seed)
    fields = (domain, ref.TRANSFER, 3, 12, 10**18, 4)
    msg = ref.message(*fields)
    inputs = dict(zip(("domain", "type", "from", "to", "amount", "aux"), fields, strict=True))
    return {**inputs, "enabled": 1, "sig": ref.sign(k, msg)}, msg


def test_signed_tx(circuit: Circuit, workdir: Path) -> None:
    c = circuit("signed_tx")
    inputs, msg = _signed_inputs(0xABCDEF)
    assert run(c, inputs, workdir).outputs == (msg,)
    # Any changed message field, or another key, breaks the signature.
    for name in ("domain", "type", "from", "to", "amount", "aux"):
        value = inputs[name]
        assert isinstance(value, int)
        assert fails(c, {**inputs, name: value + 1}, workdir), name
    other = ref.key(8).public_key
    sig = inputs["sig"]
    assert isinstance(sig, list)
    assert fails(c, {**inputs, "sig": [other.x, other.y, *sig[2:]]}, workdir)
    # S >= l is rejected even when the equation would hold for S - l.
    from orchestrator.crypto.babyjub import SUBORDER

    assert fails(c, {**inputs, "sig": [*sig[:4], sig[4] + SUBORDER]}, workdir)
    # Disabled: all-zero and wrong signatures compute and pass.
    run(c, {**inputs, "enabled": 0, "sig": [0, 0, 0, 0, 0]}, workdir)
    run(c, {**inputs, "enabled": 0, "amount": 1}, workdir)


def test_block_commitment(circuit: Circuit, workdir: Path) -> None:
    c = circuit("commitment")
    for data in (bytes(20), bytes(range(20)), hashlib.sha256(b"x").digest()[:20], b"\xff" * 20):
        expected = int.from_bytes(hashlib.sha256(data).digest(), "big") % (1 << 253)
        assert run(c, {"bits": ref.bits_msb_first(data)}, workdir).outputs == (expected,)
