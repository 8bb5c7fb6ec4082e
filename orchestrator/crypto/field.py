"""The BN254 scalar field F_r: the prime circom computes in, and the base field of Baby Jubjub.

Elements are plain Python ints in [0, R). Helpers here validate untrusted values (raising `CryptoError`)
and provide inversion and square roots; hot loops elsewhere use `% R` directly for speed.
"""

from __future__ import annotations

from orchestrator.crypto.accel import number
from orchestrator.errors import CryptoError

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
"""The circom prime: order of the BN254 G1 group, so the scalar field of Groth16 on BN254."""

FIELD_BITS = 254
"""Bit length of R."""

# R - 1 = Q * 2^S with Q odd; S = 28 is the two-adicity Tonelli-Shanks needs.
_S = 28
_Q = (R - 1) >> _S
_NON_RESIDUE = 5  # smallest quadratic non-residue mod R (checked by the tests)
_ROOT_OF_UNITY = pow(_NON_RESIDUE, _Q, R)


def is_field_element(value: object) -> bool:
    """True if `value` is an int (not a bool) in [0, R)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < R


def check_field_element(value: object, what: str = "value") -> int:
    """Return `value` if it is a canonical field element, else raise `CryptoError` naming `what`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise CryptoError(f"{what} must be an int field element, got {type(value).__name__}")
    if not 0 <= value < R:
        raise CryptoError(f"{what} is outside the BN254 scalar field [0, r): {value}")
    return value


def inv(value: int) -> int:
    """Multiplicative inverse mod R; raises `CryptoError` for zero."""
    value %= R
    if value == 0:
        raise CryptoError("zero has no inverse in the BN254 scalar field")
    return pow(value, -1, R)


def is_square(value: int) -> bool:
    """Euler's criterion: True for 0 and for quadratic residues mod R."""
    value %= R
    return value == 0 or pow(value, (R - 1) >> 1, R) == 1


def is_negative(value: int) -> bool:
    """circomlib's sign convention: an element is "negative" when it is greater than (R - 1) / 2."""
    return value % R > (R - 1) >> 1


def sqrt(value: int) -> int | None:
    """Square root mod R (Tonelli-Shanks), the non-negative root by `is_negative`; None if none exists.

    Returning the "small" root matches ffjavascript's `F.sqrt`, which circomlibjs' unpackPoint relies on.
    Runs on gmpy2 integers when they are there (unpacking every signature's R8 and key needs one).
    """
    value %= R
    if value == 0:
        return 0
    value, r = number(value), number(R)
    if pow(value, (R - 1) >> 1, r) != 1:
        return None
    m = _S
    c = number(_ROOT_OF_UNITY)
    t = pow(value, _Q, r)
    root = pow(value, (_Q + 1) >> 1, r)
    while t != 1:
        # Find the least i with t^(2^i) == 1; it exists because t has order dividing 2^(m-1).
        i = 0
        t2 = t
        while t2 != 1:
            t2 = t2 * t2 % r
            i += 1
        b = pow(c, 1 << (m - i - 1), r)
        m = i
        c = b * b % r
        t = t * c % r
        root = root * b % r
    small = int(root)
    return R - small if is_negative(small) else small


def to_le_bytes32(value: int) -> bytes:
    """Little-endian 32-byte encoding (ffjavascript's toRprLE for a canonical element)."""
    return value.to_bytes(32, "little")


def from_le_bytes(data: bytes) -> int:
    """Little-endian bytes to int (ffjavascript's Scalar.fromRprLE)."""
    return int.from_bytes(data, "little")
