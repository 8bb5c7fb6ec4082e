"""BLAKE-512, the SHA-3 finalist (Aumasson, Henzen, Meier, Phan; final round version, 16 rounds).

Not BLAKE2b: circomlibjs derives Baby Jubjub keys and signature nonces with npm `blake-hash`'s
"blake512", which is this function (salt zero). Written from the specification:

- state: eight 64-bit chaining words, IV = SHA-512's (fractional bits of sqrt of the first 8 primes);
- 16 constants u_0..u_15 = the first 1024 fractional bits of pi;
- each 128-byte block (big-endian words) goes through 16 rounds of the G function with the 10
  permutations sigma (round r uses sigma[r mod 10]), counter t = message bits hashed so far;
- padding: a 1 bit, zeros, a 1 bit, then the 128-bit big-endian message length in bits; a final block
  that holds no message bits gets counter 0.

The IV and the pi constants are computed at import instead of typed in (about a millisecond).
"""

from __future__ import annotations

from math import isqrt

_MASK = (1 << 64) - 1


def _pi_fraction_bits(n_bits: int) -> int:
    """floor(frac(pi) * 2^n_bits), by Machin's formula pi = 16 atan(1/5) - 4 atan(1/239) in fixed point."""
    scale = 1 << (n_bits + 32)  # 32 guard bits absorb the truncation error of the series

    def atan_inv(x: int) -> int:
        total, power, k, sign = 0, scale // x, 1, 1
        while power:
            total += sign * (power // k)
            power //= x * x
            k += 2
            sign = -sign
        return total

    pi_scaled = 16 * atan_inv(5) - 4 * atan_inv(239)
    return (pi_scaled >> 32) & ((1 << n_bits) - 1)


_IV = tuple(isqrt(p << 128) & _MASK for p in (2, 3, 5, 7, 11, 13, 17, 19))
_PI = _pi_fraction_bits(1024)
_U = tuple((_PI >> (64 * (15 - i))) & _MASK for i in range(16))

_SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)

# (a, b, c, d) state indices of the 4 column steps then the 4 diagonal steps of a round.
_STEPS = ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
          (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14))  # fmt: skip

# Per round and step: the two message/constant pairs pre-resolved, so the inner loop only indexes.
_SCHEDULE = tuple(
    tuple(
        (a, b, c, d, sigma[2 * i], _U[sigma[2 * i + 1]], sigma[2 * i + 1], _U[sigma[2 * i]])
        for i, (a, b, c, d) in enumerate(_STEPS)
    )
    for sigma in (_SIGMA[r % 10] for r in range(16))
)


def _compress(h: list[int], block: bytes, counter: int) -> None:
    """Apply the compression function to one 128-byte block, updating the chaining value `h` in place."""
    m = [int.from_bytes(block[i : i + 8], "big") for i in range(0, 128, 8)]
    t0, t1 = counter & _MASK, counter >> 64
    u = _U
    v = [*h, u[0], u[1], u[2], u[3], t0 ^ u[4], t0 ^ u[5], t1 ^ u[6], t1 ^ u[7]]  # salt is zero
    mask = _MASK
    for round_steps in _SCHEDULE:
        for a, b, c, d, mi, ui, mj, uj in round_steps:
            va = (v[a] + v[b] + (m[mi] ^ ui)) & mask
            vd = v[d] ^ va
            vd = ((vd >> 32) | (vd << 32)) & mask
            vc = (v[c] + vd) & mask
            vb = v[b] ^ vc
            vb = ((vb >> 25) | (vb << 39)) & mask
            va = (va + vb + (m[mj] ^ uj)) & mask
            vd ^= va
            vd = ((vd >> 16) | (vd << 48)) & mask
            vc = (vc + vd) & mask
            vb ^= vc
            v[a], v[b], v[c], v[d] = va, ((vb >> 11) | (vb << 53)) & mask, vc, vd
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]  # the salt term of the finalisation is zero too


def blake512(data: bytes | bytearray | memoryview) -> bytes:
    """BLAKE-512 digest (64 bytes) of `data`."""
    data = bytes(data)
    length = len(data)
    pad = bytearray((111 - length) % 128 + 1)  # bring the length to 112 mod 128, at least one byte
    pad[0] |= 0x80
    pad[-1] |= 0x01  # BLAKE-512 marks the end of padding with a 1 bit (0x81 if it is a single byte)
    message = data + bytes(pad) + (length * 8).to_bytes(16, "big")
    h = list(_IV)
    for offset in range(0, len(message), 128):
        # Counter = message bits up to the end of this block, or 0 if it holds only padding.
        counter = 0 if offset >= length else min(length, offset + 128) * 8
        _compress(h, message[offset : offset + 128], counter)
    return b"".join(x.to_bytes(8, "big") for x in h)
