"""EdDSA-Poseidon on Baby Jubjub, as circomlibjs' `eddsa` and circomlib's `EdDSAPoseidonVerifier`.

Key derivation (circomlibjs prv2pub): h = BLAKE-512(private key); the first 32 bytes are pruned (low 3
bits cleared, bit 255 cleared, bit 254 set) and read little-endian as s; the public key is
A = (s >> 3) * Base8.

Signing (signPoseidon), for a message that is one field element m:
r = LE(BLAKE-512(h[32:64] || LE32(m))) mod l, R8 = r * Base8, hm = Poseidon(R8.x, R8.y, A.x, A.y, m),
S = (r + hm * s) mod l. Note s, not s >> 3: A carries the factor 8 back in verification.

Verification accepts when S * Base8 == R8 + hm * (8 * A). On top of circomlibjs' checks (A and R8 on the
curve, S < l) it applies the circuit's: 8 * A must not have x = 0, i.e. A must not be of small order.
For such a key circomlibjs accepts (S * Base8, S) as a signature of every message, while
EdDSAPoseidonVerifier rejects it; this module sides with the circuit, so what it accepts the circuit
accepts too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from orchestrator.crypto import babyjub
from orchestrator.crypto.babyjub import SUBORDER, Point
from orchestrator.crypto.blake512 import blake512
from orchestrator.crypto.field import check_field_element
from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import CryptoError

PRIVATE_KEY_BYTES = 32


def _prune(digest: bytes) -> bytes:
    """circomlibjs pruneBuffer on the first 32 bytes: clear the cofactor bits, fix the top bit."""
    head = bytearray(digest[:32])
    head[0] &= 0xF8
    head[31] &= 0x7F
    head[31] |= 0x40
    return bytes(head)


@dataclass(frozen=True)
class PublicKey:
    """A Baby Jubjub public key (x, y). Construction checks the coordinates are field elements only;
    whether the point is on the curve and usable is checked by `is_valid` and by `verify_poseidon`."""

    x: int
    y: int

    def __post_init__(self) -> None:
        check_field_element(self.x, "public key x")
        check_field_element(self.y, "public key y")

    @property
    def point(self) -> Point:
        return (self.x, self.y)

    def is_valid(self) -> bool:
        """On the curve and not of small order (what the circuit requires of a signer's key)."""
        return babyjub.is_on_curve(self.point) and babyjub.mul8(self.point)[0] != 0

    def pack(self) -> bytes:
        """32-byte compressed form (circomlibjs packPoint); raises `CryptoError` if not on the curve."""
        return babyjub.pack_point(self.point)

    @classmethod
    def unpack(cls, data: bytes) -> PublicKey:
        """Inverse of `pack`; raises `CryptoError` for an invalid encoding."""
        x, y = babyjub.unpack_point(data)
        return cls(x, y)


@dataclass(frozen=True)
class Signature:
    """An EdDSA-Poseidon signature (R8, S). Construction checks types and ranges that can be encoded
    (coordinates in the field, 0 <= S < 2^256); `verify_poseidon` rejects S >= l and off-curve R8."""

    r8x: int
    r8y: int
    s: int

    def __post_init__(self) -> None:
        check_field_element(self.r8x, "signature R8.x")
        check_field_element(self.r8y, "signature R8.y")
        if not isinstance(self.s, int) or isinstance(self.s, bool) or not 0 <= self.s < 1 << 256:
            raise CryptoError(f"signature S must be an int in [0, 2^256), got {self.s!r}")

    @property
    def r8(self) -> Point:
        return (self.r8x, self.r8y)

    def pack(self) -> bytes:
        """64 bytes as circomlibjs packSignature: packed R8, then S little-endian."""
        return babyjub.pack_point(self.r8) + self.s.to_bytes(32, "little")

    @classmethod
    def unpack(cls, data: bytes) -> Signature:
        """Inverse of `pack`; raises `CryptoError` if the length or R8 encoding is invalid."""
        if not isinstance(data, bytes | bytearray) or len(data) != 64:
            raise CryptoError("a packed signature is exactly 64 bytes")
        x, y = babyjub.unpack_point(bytes(data[:32]))
        return cls(x, y, int.from_bytes(data[32:], "little"))


@dataclass(frozen=True)
class PrivateKey:
    """A 32-byte private key; the derived scalar and public key are computed once and cached."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes):
            raise CryptoError(
                f"a private key must be {PRIVATE_KEY_BYTES} bytes, got {type(self.key).__name__}"
            )
        if len(self.key) != PRIVATE_KEY_BYTES:
            raise CryptoError(f"a private key must be {PRIVATE_KEY_BYTES} bytes, got {len(self.key)}")

    @cached_property
    def _digest(self) -> bytes:
        return blake512(self.key)

    @cached_property
    def scalar(self) -> int:
        """s: the pruned first half of BLAKE-512(key) as a little-endian int (a multiple of 8)."""
        return int.from_bytes(_prune(self._digest), "little")

    @cached_property
    def public_key(self) -> PublicKey:
        x, y = babyjub.mul_base8(self.scalar >> 3)
        return PublicKey(x, y)


def _private_key(prv: PrivateKey | bytes | bytearray) -> PrivateKey:
    if isinstance(prv, PrivateKey):
        return prv
    if isinstance(prv, bytearray):
        prv = bytes(prv)
    return PrivateKey(prv)


def prv2pub(prv: PrivateKey | bytes | bytearray) -> PublicKey:
    """Public key of a 32-byte private key (circomlibjs eddsa.prv2pub)."""
    return _private_key(prv).public_key


def sign_poseidon(prv: PrivateKey | bytes | bytearray, msg: int) -> Signature:
    """Sign one field element (circomlibjs eddsa.signPoseidon); deterministic, like the original."""
    key = _private_key(prv)
    check_field_element(msg, "message")
    pub = key.public_key
    nonce_digest = blake512(key._digest[32:] + msg.to_bytes(32, "little"))
    r = int.from_bytes(nonce_digest, "little") % SUBORDER
    r8x, r8y = babyjub.mul_base8(r)
    hm = poseidon([r8x, r8y, pub.x, pub.y, msg])
    return Signature(r8x, r8y, (r + hm * key.scalar) % SUBORDER)


def verify_poseidon(public_key: PublicKey, msg: int, sig: Signature) -> bool:
    """True iff `sig` is a valid signature of `msg` under `public_key` for circomlibjs and the circuit.

    Wrong argument types or a message outside the field raise `CryptoError`; anything wrong with the
    key or signature values (off-curve point, small-order key, S >= l, wrong equation) returns False.
    """
    if not isinstance(public_key, PublicKey):
        raise CryptoError(f"public key must be a PublicKey, got {type(public_key).__name__}")
    if not isinstance(sig, Signature):
        raise CryptoError(f"signature must be a Signature, got {type(sig).__name__}")
    check_field_element(msg, "message")
    a = public_key.point
    if not babyjub.is_on_curve(a) or not babyjub.is_on_curve(sig.r8):
        return False
    if sig.s >= SUBORDER:
        return False
    # The circuit multiplies A by 8 with three doublings, then rejects when the result has x = 0.
    a8 = babyjub.mul8(a)
    if a8[0] == 0:
        return False
    hm = poseidon([sig.r8x, sig.r8y, a[0], a[1], msg])
    # 8A lies in the order-l subgroup, so hm may be reduced mod l without changing hm * 8A.
    return babyjub.base8_mul_equals(sig.s, sig.r8, hm % SUBORDER, a8)
