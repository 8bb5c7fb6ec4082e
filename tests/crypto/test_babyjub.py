"""Baby Jubjub and the field helpers: curve facts, arithmetic, packing, and circomlibjs cross-checks."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from orchestrator.crypto import babyjub as bj
from orchestrator.crypto import field
from orchestrator.crypto.field import R
from orchestrator.errors import CryptoError
from tests.crypto.conftest import Oracle


def _random_point(rng: random.Random, subgroup: bool = False) -> bj.Point:
    if subgroup:
        return bj.mul_base8(rng.randrange(1, bj.SUBORDER))
    return bj.mul(bj.GENERATOR, rng.randrange(1, bj.ORDER))


# --- field helpers ---------------------------------------------------------------------------------


def test_field_sqrt_and_squares() -> None:
    rng = random.Random(3)
    assert not field.is_square(5)  # the non-residue Tonelli-Shanks relies on
    for _ in range(50):
        x = rng.randrange(R)
        root = field.sqrt(x * x % R)
        assert root is not None and root * root % R == x * x % R
        assert not field.is_negative(root)
    assert field.sqrt(0) == 0
    assert field.sqrt(5) is None


def test_field_checks() -> None:
    assert field.check_field_element(R - 1) == R - 1
    for bad in (R, -1, True, 1.5, "3"):
        assert not field.is_field_element(bad)
        with pytest.raises(CryptoError):
            field.check_field_element(bad)
    assert field.inv(2) * 2 % R == 1
    with pytest.raises(CryptoError):
        field.inv(R)


# --- curve facts -----------------------------------------------------------------------------------


def test_curve_constants() -> None:
    assert field.is_square(bj.A) and not field.is_square(bj.D)  # => complete addition law
    assert bj.is_on_curve(bj.GENERATOR) and bj.is_on_curve(bj.BASE8)
    assert bj.mul(bj.GENERATOR, 8) == bj.BASE8
    assert bj.mul(bj.BASE8, bj.SUBORDER) == bj.IDENTITY
    assert bj.mul(bj.GENERATOR, bj.ORDER) == bj.IDENTITY
    assert bj.in_subgroup(bj.BASE8) and not bj.in_subgroup(bj.GENERATOR)
    assert bj.ORDER == 8 * bj.SUBORDER


def test_constants_equal_circomlibjs(oracle: Oracle) -> None:
    (c,) = oracle([{"op": "constants"}])
    assert [int(v) for v in c["Generator"]] == list(bj.GENERATOR)
    assert [int(v) for v in c["Base8"]] == list(bj.BASE8)
    assert int(c["order"]) == bj.ORDER and int(c["subOrder"]) == bj.SUBORDER
    assert (int(c["A"]), int(c["D"])) == (bj.A, bj.D)


# --- arithmetic ------------------------------------------------------------------------------------


def test_group_laws() -> None:
    rng = random.Random(5)
    p, q, s = (_random_point(rng) for _ in range(3))
    assert bj.add(p, q) == bj.add(q, p)
    assert bj.add(bj.add(p, q), s) == bj.add(p, bj.add(q, s))
    assert bj.add(p, bj.IDENTITY) == p
    assert bj.add(p, bj.negate(p)) == bj.IDENTITY
    assert bj.double(p) == bj.add(p, p) == bj.mul(p, 2)
    assert bj.mul8(p) == bj.mul(p, 8)
    assert bj.mul(p, 0) == bj.IDENTITY and bj.mul(p, 1) == p
    a, b = rng.randrange(1 << 256), rng.randrange(1 << 256)
    assert bj.mul(p, a + b) == bj.add(bj.mul(p, a), bj.mul(p, b))
    # Small-order points: (0, -1) has order 2, and the identity survives every operation.
    two_torsion = (0, R - 1)
    assert bj.is_on_curve(two_torsion) and bj.double(two_torsion) == bj.IDENTITY
    assert bj.mul8(bj.IDENTITY) == bj.IDENTITY


def test_fixed_base_matches_generic() -> None:
    rng = random.Random(6)
    edges = [0, 1, 2, 15, 16, bj.SUBORDER - 1, bj.SUBORDER, bj.SUBORDER + 1]
    for k in edges + [rng.randrange(1 << 256) for _ in range(8)]:
        assert bj.mul_base8(k) == bj.mul(bj.BASE8, k), k


def test_base8_mul_equals() -> None:
    rng = random.Random(8)
    s, h = rng.randrange(bj.SUBORDER), rng.randrange(bj.SUBORDER)
    q = _random_point(rng, subgroup=True)
    r = bj.add(bj.mul_base8(s), bj.negate(bj.mul(q, h)))
    assert bj.base8_mul_equals(s, r, h, q)
    assert not bj.base8_mul_equals(s + 1, r, h, q)


def test_base8_mul_equals_with_cached_key_tables() -> None:
    """A key's second and later checks use its window table: same answers, any point, any scalar."""
    rng = random.Random(9)
    keys = [_random_point(rng, subgroup=True), _random_point(rng, subgroup=False)]
    for q in keys:
        for h in (rng.randrange(bj.SUBORDER), rng.randrange(1 << 252, 1 << 254), 0):
            s = rng.randrange(bj.SUBORDER)
            r = bj.add(bj.mul_base8(s), bj.negate(bj.mul(q, h)))
            for _ in range(3):  # no table, then the table built, then reused; failures along the way
                assert not bj.base8_mul_equals(s, r, h + 1, q)
                assert bj.base8_mul_equals(s, r, h, q)
    for _ in range(2 * bj._KEY_TABLES):  # many keys: tables are evicted, answers stay right
        q = _random_point(rng, subgroup=True)
        s, h = rng.randrange(bj.SUBORDER), rng.randrange(bj.SUBORDER)
        r = bj.add(bj.mul_base8(s), bj.negate(bj.mul(q, h)))
        assert bj.base8_mul_equals(s, r, h, q) and bj.base8_mul_equals(s, r, h, q)
    assert sum(t is not None for t in bj._key_tables.values()) <= bj._KEY_TABLES
    stranger = _random_point(rng, subgroup=True)  # only failed checks: never remembered
    for _ in range(3):
        assert not bj.base8_mul_equals(1, bj.BASE8, 1, stranger)
    assert stranger not in bj._key_tables


def test_off_curve_and_bad_scalars_raise() -> None:
    off = (1, 2)
    assert not bj.is_on_curve(off)
    assert not bj.is_on_curve((R, 1)) and not bj.is_on_curve((0, 1, 2))  # type: ignore[arg-type]
    bad_calls: list[Callable[[], object]] = [
        lambda: bj.add(off, bj.BASE8),
        lambda: bj.mul(off, 3),
        lambda: bj.pack_point(off),
        lambda: bj.double(off),
        lambda: bj.field_point(1, 2),
        lambda: bj.field_point(R, 1),
        lambda: bj.mul(bj.BASE8, -1),
        lambda: bj.mul_base8(True),
    ]
    for fn in bad_calls:
        with pytest.raises(CryptoError):
            fn()
    assert not bj.in_subgroup(off)


# --- packing ---------------------------------------------------------------------------------------


def test_pack_roundtrip_and_sign_bit() -> None:
    rng = random.Random(9)
    for _ in range(30):
        p = _random_point(rng)
        packed = bj.pack_point(p)
        assert len(packed) == 32
        assert bool(packed[31] & 0x80) == field.is_negative(p[0])
        assert bj.unpack_point(packed) == p
    assert bj.unpack_point(bj.pack_point(bj.IDENTITY)) == bj.IDENTITY


def test_unpack_rejects_bad_encodings() -> None:
    with pytest.raises(CryptoError, match="32 bytes"):
        bj.unpack_point(bytes(31))
    with pytest.raises(CryptoError, match="outside the field"):
        bj.unpack_point(R.to_bytes(32, "little"))
    sign_on_zero = bytearray(bj.pack_point(bj.IDENTITY))
    sign_on_zero[31] |= 0x80
    with pytest.raises(CryptoError, match="non-canonical"):
        bj.unpack_point(bytes(sign_on_zero))
    y = next(y for y in range(2, 1000) if field.sqrt((1 - y * y) * field.inv(bj.A - bj.D * y * y)) is None)
    with pytest.raises(CryptoError, match="not on Baby Jubjub"):
        bj.unpack_point(y.to_bytes(32, "little"))


def test_arithmetic_and_packing_match_circomlibjs(oracle: Oracle) -> None:
    """100 random points: pack, unpack, add, plus random 32-byte strings to unpack; scalar multiplication
    and the subgroup test on every fourth point (circomlibjs spends ~30 ms on each)."""
    rng = random.Random(10)
    points = [_random_point(rng, subgroup=i % 2 == 0) for i in range(100)]
    others = [_random_point(rng) for _ in range(100)]
    scalars = [rng.randrange(1 << 256) for _ in range(100)]
    junk = [rng.randbytes(32) for _ in range(100)]
    junk = [bytes([*j[:31], j[31] & 0x3F | (j[31] & 0x80)]) for j in junk]  # keep y < 2^254 < r mostly
    reqs: list[dict[str, object]] = []
    for i, (p, q, k) in enumerate(zip(points, others, scalars, strict=True)):
        pd = [str(c) for c in p]
        reqs += [
            {"op": "pack_point", "point": pd},
            {"op": "unpack_point", "data": bj.pack_point(p).hex()},
            {"op": "add", "p": pd, "q": [str(c) for c in q]},
        ]
        if i % 4 < 2:  # both subgroup and full-order points
            reqs += [{"op": "mul", "point": pd, "k": str(k)}, {"op": "in_subgroup", "point": pd}]
    reqs += [{"op": "unpack_point", "data": j.hex()} for j in junk]
    reqs += [{"op": "in_curve", "point": ["1", "2"]}, {"op": "in_curve", "point": [str(c) for c in bj.BASE8]}]
    results = iter(oracle(reqs))
    for i, (p, q, k) in enumerate(zip(points, others, scalars, strict=True)):
        assert next(results) == bj.pack_point(p).hex()
        assert [int(c) for c in next(results)] == list(p)
        assert [int(c) for c in next(results)] == list(bj.add(p, q))
        if i % 4 < 2:
            assert [int(c) for c in next(results)] == list(bj.mul(p, k))
            assert next(results) is bj.in_subgroup(p)
    for j in junk:
        theirs = next(results)
        y = int.from_bytes(j, "little") & ((1 << 255) - 1)
        if y >= R:
            continue  # circomlibjs reduces a non-canonical y; we reject it (tested above)
        try:
            ours: list[int] | None = list(bj.unpack_point(j))
        except CryptoError:
            ours = None
        assert (None if theirs is None else [int(c) for c in theirs]) == ours, j.hex()
    assert next(results) is False and next(results) is True
