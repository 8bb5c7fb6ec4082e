"""40-bit decimal floats for L2 transfer amounts (docs/protocol.md section 6, "Packed amounts").

`packed = mantissa * 2^5 + exponent`, value `mantissa * 10^exponent`, mantissa < 2^35, exponent < 32.
Several packings can denote the same value (10 = 10e0 = 1e1); the model always uses the one with the
smallest exponent, so every packable value has exactly one packing here.
"""

from __future__ import annotations

from orchestrator.errors import TxRejected
from orchestrator.l2.params import PACKED_AMOUNT_BITS

MANTISSA_BITS = 35
EXPONENT_BITS = 5
MAX_MANTISSA = (1 << MANTISSA_BITS) - 1
MAX_EXPONENT = (1 << EXPONENT_BITS) - 1
MAX_PACKED = (1 << PACKED_AMOUNT_BITS) - 1


def _pow10(exponent: int) -> int:
    return int(10**exponent)  # int(): mypy types int ** int as Any (a negative exponent gives a float)


def _check_int(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise TxRejected("malformed", f"{what} must be a non-negative integer, got {value!r}")
    return value


def _split(value: int) -> tuple[int, int] | None:
    """(mantissa, exponent) with the smallest exponent, or None when no exact packing exists."""
    mantissa, exponent = value, 0
    while mantissa > MAX_MANTISSA:
        mantissa, rest = divmod(mantissa, 10)
        exponent += 1
        if rest or exponent > MAX_EXPONENT:
            return None
    return mantissa, exponent


def is_packable(value: int) -> bool:
    """True if the non-negative int `value` has an exact packed form."""
    return _split(_check_int(value, "amount")) is not None


def pack_amount(value: int) -> int:
    """The 40-bit packing of `value` with the smallest exponent.

    Raises `TxRejected("amount_not_packable")` when no exact form exists (more than 35 bits of
    significant digits, or too large), `TxRejected("malformed")` for a negative or non-int value.
    """
    split = _split(_check_int(value, "amount"))
    if split is None:
        raise TxRejected(
            "amount_not_packable",
            f"amount {value} has no exact packed form (mantissa < 2^35 times a power of ten below 10^32)",
        )
    mantissa, exponent = split
    return mantissa << EXPONENT_BITS | exponent


def unpack_amount(packed: int) -> int:
    """The value of a 40-bit packed amount (any packing, canonical or not)."""
    if _check_int(packed, "packed amount") > MAX_PACKED:
        raise TxRejected("malformed", f"packed amount must fit {PACKED_AMOUNT_BITS} bits, got {packed}")
    return (packed >> EXPONENT_BITS) * _pow10(packed & MAX_EXPONENT)


def round_down_packable(value: int) -> int:
    """The largest packable amount <= `value` (wallets use it to offer an amount that can be sent)."""
    _check_int(value, "amount")
    # For each exponent the best mantissa is min(MAX_MANTISSA, value // 10^e); take the best overall.
    return max(min(MAX_MANTISSA, value // _pow10(e)) * _pow10(e) for e in range(MAX_EXPONENT + 1))
