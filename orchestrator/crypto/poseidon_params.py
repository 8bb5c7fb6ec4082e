"""Poseidon parameters for circomlib, derived here with the Grain LFSR procedure of the Poseidon paper.

circomlib's and circomlibjs' constants come from the reference script `generate_parameters_grain.sage`
(Grassi et al., https://eprint.iacr.org/2019/458, appendix F) run as
`generate_parameters_grain.sage 1 0 254 t 8 R_P 0x30644e...0001` for each width t: prime field, x^5
S-box, 254-bit field, 8 full rounds and the partial-round counts in `PARTIAL_ROUNDS`. This module
re-runs that procedure instead of embedding tables:

1. An 80-bit LFSR is seeded with the parameters (field 2 bits, S-box 4, field size 12, t 12, R_F 10,
   R_P 10, then 30 one-bits), clocked with b[i+80] = b[i+62]^b[i+51]^b[i+38]^b[i+23]^b[i+13]^b[i],
   and its first 160 outputs are discarded.
2. Output is self-shrunk: from each pair of bits (b1, b2), b2 is kept only when b1 is 1.
3. Round constants: (R_F + R_P) * t numbers of 254 bits (MSB first), each redrawn while >= r.
4. MDS: 2t further 254-bit numbers reduced mod r (no rejection) give distinct x_i, y_j and the Cauchy
   matrix M[i][j] = 1 / (x_i + y_j). The sage script also runs security checks on M and redraws on
   failure; the first draw is what circomlib uses for every width, which the cross-checks against
   circomlibjs confirm, so the checks are not repeated here.

`optimized_params` rewrites the partial rounds the way the paper's appendix B suggests (constants
pushed forward so only state[0] gets one, dense matrices factored into sparse ones); it is the same
permutation, checked against the plain definition in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from orchestrator.crypto.field import FIELD_BITS, R
from orchestrator.errors import CryptoError

FULL_ROUNDS = 8
"""R_F for every width."""

PARTIAL_ROUNDS = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
"""R_P for width t = 2..17, as circomlib uses (security estimate rounded up to a multiple of t)."""

MAX_INPUTS = len(PARTIAL_ROUNDS)
"""circomlib's Poseidon takes 1..16 inputs (width t = inputs + 1)."""

_CHUNK = 18  # b[i+80] only needs b[i+62] and older, so 80 - 62 = 18 new bits can be made at once
_CHUNK_MASK = (1 << _CHUNK) - 1


class _Grain:
    """The Grain LFSR in self-shrinking mode, producing bits as a '0'/'1' string buffer.

    The 80-bit window is an int whose bit i is b[pos+i]; each step computes 18 new bits at once.
    """

    def __init__(self, t: int, partial_rounds: int) -> None:
        seed_fields = ((1, 2), (0, 4), (FIELD_BITS, 12), (t, 12), (FULL_ROUNDS, 10), (partial_rounds, 10))
        seed = "".join(format(value, f"0{width}b") for value, width in seed_fields) + "1" * 30
        self._state = int(seed[::-1], 2)  # seed[0] is b[0], so it must land in bit 0
        self._bits = ""
        self._pos = 0
        # The first 160 LFSR outputs are discarded; the chunk rounding leaves a few raw bits pending.
        self._pending = self._clock(-(-160 // _CHUNK))[160:]

    def _clock(self, n_chunks: int) -> str:
        state = self._state
        parts = []
        for _ in range(n_chunks):
            new = (
                (state >> 62) ^ (state >> 51) ^ (state >> 38) ^ (state >> 23) ^ (state >> 13) ^ state
            ) & _CHUNK_MASK
            state = (state >> _CHUNK) | (new << (80 - _CHUNK))
            parts.append(format(new, f"0{_CHUNK}b")[::-1])  # bit k of `new` is the k-th new bit
        self._state = state
        return "".join(parts)

    def _refill(self) -> None:
        raw = self._pending + self._clock(512)
        cut = len(raw) & ~1  # keep pairs aligned across refills
        raw, self._pending = raw[:cut], raw[cut:]
        kept = "".join(b for a, b in zip(raw[0::2], raw[1::2], strict=True) if a == "1")
        self._bits = self._bits[self._pos :] + kept
        self._pos = 0

    def take(self, n_bits: int) -> int:
        """The next `n_bits` shrunk output bits as an integer, first bit most significant."""
        while len(self._bits) - self._pos < n_bits:
            self._refill()
        chunk = self._bits[self._pos : self._pos + n_bits]
        self._pos += n_bits
        return int(chunk, 2)


@dataclass(frozen=True)
class PoseidonParams:
    """Plain Poseidon parameters for one width: round constants per round and the MDS matrix."""

    t: int
    full_rounds: int
    partial_rounds: int
    round_constants: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]


@cache
def params(t: int) -> PoseidonParams:
    """Grain-derived constants and MDS matrix for width `t` (2..17), cached per width."""
    if not 2 <= t <= MAX_INPUTS + 1:
        raise CryptoError(f"Poseidon width must be 2..{MAX_INPUTS + 1}, got {t}")
    partial_rounds = PARTIAL_ROUNDS[t - 2]
    rounds = FULL_ROUNDS + partial_rounds
    grain = _Grain(t, partial_rounds)
    flat: list[int] = []
    while len(flat) < rounds * t:
        value = grain.take(FIELD_BITS)
        if value < R:
            flat.append(value)
    while True:  # redraw all 2t values on a repeat or a zero denominator, as the sage script does
        draws = [grain.take(FIELD_BITS) % R for _ in range(2 * t)]
        xs, ys = draws[:t], draws[t:]
        if len(set(draws)) == 2 * t and all((x + y) % R for x in xs for y in ys):
            break
    mds = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
    constants = tuple(tuple(flat[r * t : (r + 1) * t]) for r in range(rounds))
    return PoseidonParams(t, FULL_ROUNDS, partial_rounds, constants, mds)


@dataclass(frozen=True)
class OptimizedParams:
    """The same permutation arranged for fast evaluation.

    Rounds run: first half full rounds (constants `first_constants[r]`, S-box on all, matrix
    `first_mds[r]`), then partial rounds (add `partial_constants[k]` to state[0], S-box on state[0],
    sparse matrix `partial_sparse[k]`), then second half full rounds (`last_constants[r]`, plain MDS).
    A sparse matrix is (m00, row, col): new[0] = m00*s0 + sum(row[j-1]*s[j]), new[i] = col[i-1]*s0 + s[i].
    """

    t: int
    first_constants: tuple[tuple[int, ...], ...]
    first_mds: tuple[tuple[tuple[int, ...], ...], ...]
    partial_constants: tuple[int, ...]
    partial_sparse: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    last_constants: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]


def _mat_mul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    n = len(b)
    return [[sum(a[i][k] * b[k][j] for k in range(n)) % R for j in range(len(b[0]))] for i in range(len(a))]


def _mat_inv(m: list[list[int]]) -> list[list[int]]:
    """Gauss-Jordan inverse mod R (small matrices only)."""
    n = len(m)
    aug = [[*row, *(int(i == j) for j in range(n))] for i, row in enumerate(m)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if aug[r][col]), None)
        if pivot is None:
            raise CryptoError("singular matrix while optimising Poseidon parameters")
        aug[col], aug[pivot] = aug[pivot], aug[col]
        scale = pow(aug[col][col], -1, R)
        aug[col] = [v * scale % R for v in aug[col]]
        for r in range(n):
            if r != col and aug[r][col]:
                f = aug[r][col]
                aug[r] = [(v - f * p) % R for v, p in zip(aug[r], aug[col], strict=True)]
    return [row[n:] for row in aug]


@cache
def optimized_params(t: int) -> OptimizedParams:
    """Rearranged parameters for width `t`; see `OptimizedParams`."""
    base = params(t)
    half = base.full_rounds // 2
    first_p = half
    last_p = half + base.partial_rounds  # index of the first round after the partial ones
    mds = [list(row) for row in base.mds]
    consts = [list(c) for c in base.round_constants]

    # Constants: in a partial round only state[0] passes the S-box, so the constant on the other lanes
    # can be carried through the linear layer into the next round's constants.
    partial_constants = []
    carry = [0] * t
    for r in range(first_p, last_p):
        c = [(a + b) % R for a, b in zip(consts[r], carry, strict=True)]
        partial_constants.append(c[0])
        rest = [0, *c[1:]]
        carry = [sum(mds[i][j] * rest[j] for j in range(t)) % R for i in range(t)]
    last_constants = [list(c) for c in consts[last_p:]]
    last_constants[0] = [(a + b) % R for a, b in zip(last_constants[0], carry, strict=True)]

    # Matrices: write the dense matrix N after partial round k as S_k * D_k with D_k = diag(1, N_hat).
    # D_k commutes with that round's S-box and scalar constant, so it moves into the previous matrix.
    sparse: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    n = mds
    for _ in range(base.partial_rounds):
        n_hat = [row[1:] for row in n[1:]]
        row0 = _mat_mul([n[0][1:]], _mat_inv(n_hat))[0]
        col0 = [n[i][0] for i in range(1, t)]
        sparse.append((n[0][0], tuple(row0), tuple(col0)))
        d = [[1] + [0] * (t - 1)] + [[0, *row] for row in n_hat]
        n = _mat_mul(d, mds)
    sparse.reverse()
    first_mds = [base.mds] * (half - 1) + [tuple(tuple(row) for row in n)]
    return OptimizedParams(
        t=t,
        first_constants=tuple(tuple(c) for c in consts[:half]),
        first_mds=tuple(first_mds),
        partial_constants=tuple(partial_constants),
        partial_sparse=tuple(sparse),
        last_constants=tuple(tuple(c) for c in last_constants),
        mds=base.mds,
    )
