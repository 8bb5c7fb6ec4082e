"""Poseidon hash, bit-for-bit as circomlib's `Poseidon(nInputs)` and circomlibjs' `poseidon`.

Width t = n + 1 for n inputs (1..16); the state starts as [0, inputs...], runs 4 full rounds, R_P
partial rounds and 4 full rounds of x^5 over the BN254 scalar field, and the hash is state[0]. The
constants are derived in `poseidon_params`; this module only evaluates the permutation, using the
sparse-matrix form of the partial rounds (2t - 1 multiplications each instead of t^2 for the plain
definition, which `poseidon_reference` keeps for the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from orchestrator.crypto.accel import number
from orchestrator.crypto.field import R, check_field_element
from orchestrator.crypto.poseidon_params import MAX_INPUTS, optimized_params, params
from orchestrator.errors import CryptoError

_HashFn = Callable[[Sequence[int]], int]
_compiled: dict[int, _HashFn] = {}


def _emit_source(t: int, names: dict[int, str] | None = None) -> str:
    """Straight-line Python source of the hash for width t, constants written as int literals, or as
    global names (collected in `names`, value -> name) when the arithmetic runs on gmpy2: an mpz global
    beats an int literal that every operation would convert again (about 3.5x faster than pure Python
    at t = 6, against 2x with literals).

    Generated code avoids the loop, indexing and list traffic of a generic version (about 1.4x faster
    at t=3): at ~0.3 us per 254-bit reduction the interpreter overhead is a large share of the cost.
    Partial rounds leave lanes 1.. unreduced (they only accumulate products; a few extra bits are cheaper
    than t-1 reductions per round) and reduce them once before the last full rounds.
    """
    p = optimized_params(t)
    lanes = [f"s{i}" for i in range(t)]

    def c(value: int) -> str:
        if names is None:
            return str(value)
        return names.setdefault(value, f"k{len(names)}")

    lines = [f"def _hash(inputs):\n    {', '.join(lanes[1:])}, = inputs"]
    emit = lines.append

    def full_round(consts: Sequence[int], matrix: Sequence[Sequence[int]], first: bool) -> None:
        for i in range(t):
            if first and i == 0:
                emit(f"    s0 = {c(pow(consts[0], 5, R))}")  # the capacity lane starts at 0: a constant
                continue
            emit(f"    x = s{i} + {c(consts[i])}\n    y = x * x % R\n    s{i} = y * y % R * x % R")
        rows = (" + ".join(f"{c(m)} * s{j}" for j, m in enumerate(row)) for row in matrix)
        emit(f"    {', '.join(lanes)} = " + ", ".join(f"({row}) % R" for row in rows))

    for r, (consts, matrix) in enumerate(zip(p.first_constants, p.first_mds, strict=True)):
        full_round(consts, matrix, r == 0)
    for k, (m00, row, col) in zip(p.partial_constants, p.partial_sparse, strict=True):
        emit(f"    x = s0 + {c(k)}\n    y = x * x % R\n    x = y * y % R * x % R")
        terms = [f"{c(m00)} * x", *(f"{c(v)} * s{j + 1}" for j, v in enumerate(row))]
        emit(f"    s0 = ({' + '.join(terms)}) % R")
        emit("\n".join(f"    s{j + 1} += {c(v)} * x" for j, v in enumerate(col)))
    emit("\n".join(f"    s{j} %= R" for j in range(1, t)))
    for consts in p.last_constants:
        full_round(consts, p.mds, False)
    emit("    return int(s0)\n" if names is not None else "    return s0\n")
    return "\n".join(lines)


def _build(t: int) -> _HashFn:
    """Compile the generated hash for width t (milliseconds for small t; cached by the caller)."""
    accelerated = number is not int
    names: dict[int, str] | None = {} if accelerated else None
    source = _emit_source(t, names)
    namespace: dict[str, object] = {"R": number(R)}
    namespace.update({name: number(value) for value, name in (names or {}).items()})
    exec(compile(source, f"<poseidon t={t}>", "exec"), namespace)
    return cast(_HashFn, namespace["_hash"])


def _check_inputs(inputs: Sequence[int]) -> None:
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise CryptoError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    for i, value in enumerate(inputs):
        check_field_element(value, f"Poseidon input {i}")


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib Poseidon of 1..16 field elements; raises `CryptoError` for a bad count or value."""
    fn = _compiled.get(len(inputs))
    if fn is None:
        _check_inputs(inputs)
        fn = _compiled[len(inputs)] = _build(len(inputs) + 1)
    for value in inputs:
        # Inline range check on the fast path; the helper builds the error message.
        if type(value) is not int or not 0 <= value < R:
            _check_inputs(inputs)
    return fn(inputs)


def poseidon_reference(inputs: Sequence[int]) -> int:
    """The textbook permutation with the unmodified constants and MDS matrix (slow; for tests)."""
    _check_inputs(inputs)
    base = params(len(inputs) + 1)
    half = base.full_rounds // 2
    state = [0, *inputs]
    for r, consts in enumerate(base.round_constants):
        state = [(x + c) % R for x, c in zip(state, consts, strict=True)]
        if r < half or r >= half + base.partial_rounds:
            state = [pow(x, 5, R) for x in state]
        else:
            state[0] = pow(state[0], 5, R)
        state = [sum(m * x for m, x in zip(row, state, strict=True)) % R for row in base.mds]
    return state[0]
