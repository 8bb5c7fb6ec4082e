"""Packed 40-bit amounts: round trips, the smallest exponent, refusals (protocol.md section 6)."""

from __future__ import annotations

import random

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2.amounts import (
    MAX_MANTISSA,
    MAX_PACKED,
    is_packable,
    pack_amount,
    round_down_packable,
    unpack_amount,
)


def test_known_packings() -> None:
    assert pack_amount(0) == 0
    assert pack_amount(1) == 1 << 5
    assert pack_amount(10) == 10 << 5  # smallest exponent: mantissa 10, not 1e1
    assert pack_amount(10**18) == (10**10 << 5) | 8
    assert pack_amount(MAX_MANTISSA) == MAX_MANTISSA << 5
    assert pack_amount(MAX_MANTISSA * 10**31) == MAX_PACKED


def test_round_trips() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        value = rng.randrange(MAX_MANTISSA + 1) * 10 ** rng.randrange(32)
        packed = pack_amount(value)
        assert 0 <= packed <= MAX_PACKED
        assert unpack_amount(packed) == value
        # The packing is the one with the smallest exponent.
        exponent = packed & 31
        assert exponent == 0 or unpack_amount(packed) % 10**exponent == 0
        assert exponent == 0 or (packed >> 5) * 10 > MAX_MANTISSA or (packed >> 5) % 10 != 0


def test_every_packing_unpacks() -> None:
    rng = random.Random(8)
    for _ in range(500):
        packed = rng.randrange(MAX_PACKED + 1)
        canonical = pack_amount(unpack_amount(packed))
        assert unpack_amount(canonical) == unpack_amount(packed)
        assert canonical & 31 <= packed & 31 or packed >> 5 == 0
    assert unpack_amount(10 << 5) == unpack_amount(1 << 5 | 1) == 10


@pytest.mark.parametrize(
    "value",
    [MAX_MANTISSA + 1 + 1, 2**35 + 3, 10**18 + 1, MAX_MANTISSA * 10**32, 2**35 * 10**31, 2**128 - 1],
)
def test_unpackable_refused(value: int) -> None:
    assert not is_packable(value)
    with pytest.raises(TxRejected) as err:
        pack_amount(value)
    assert err.value.code == "amount_not_packable"


@pytest.mark.parametrize("value", [-1, 1.5, "10", True, None])
def test_malformed_refused(value: object) -> None:
    with pytest.raises(TxRejected) as err:
        pack_amount(value)  # type: ignore[arg-type]
    assert err.value.code == "malformed"


def test_unpack_refuses_more_than_40_bits() -> None:
    with pytest.raises(TxRejected):
        unpack_amount(MAX_PACKED + 1)
    with pytest.raises(TxRejected):
        unpack_amount(-1)


def test_round_down() -> None:
    rng = random.Random(9)
    values = [rng.randrange(2 ** rng.randrange(1, 129)) for _ in range(300)] + [2**35, 2**35 + 9, 10**40]
    for value in values:
        down = round_down_packable(value)
        assert down <= value and is_packable(down)
        # Brute force: nothing packable lies in (down, value].
        for exponent in range(32):
            best = min(MAX_MANTISSA, value // 10**exponent) * 10**exponent
            assert best <= down
    assert round_down_packable(12345) == 12345
    assert round_down_packable(10**18 + 1) == 10**18
    assert round_down_packable(2**35) == MAX_MANTISSA
