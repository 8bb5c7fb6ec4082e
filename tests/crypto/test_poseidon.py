"""Poseidon: known answers, the optimised form against the textbook one, circomlibjs cross-checks."""

from __future__ import annotations

import random

import pytest

from orchestrator.crypto.field import R
from orchestrator.crypto.poseidon import poseidon, poseidon_reference
from orchestrator.crypto.poseidon_params import MAX_INPUTS, PARTIAL_ROUNDS, optimized_params, params
from orchestrator.errors import CryptoError
from tests.crypto.conftest import Oracle

# Known answers (circomlibjs 0.1.7 / circomlib 2.0.5; [1, 2] and [1, 2, 3, 4] are circomlib's own).
KNOWN = [
    ([1], 18586133768512220936620570745912940619677854269274689475585506675881198879027),
    ([1, 2], 7853200120776062878684798364095072458815029376092732009249414926327459813530),
    ([0, 0], 14744269619966411208579211824598458697587494354926760081771325075741142829156),
    ([1, 2, 3, 4], 18821383157269793795438455681495246036402687001665670618754263018637548127333),
    ([1, 2, 3, 4, 5], 6183221330272524995739186171720101788151706631170188140075976616310159254464),
    ([1, 2, 3, 4, 5, 6], 20400040500897583745843009878988256314335038853985262692600694741116813247201),
    (list(range(1, 17)), 9989051620750914585850546081941653841776809718687451684622678807385399211877),
]


@pytest.mark.parametrize(("inputs", "expected"), KNOWN, ids=[f"n{len(i)}" for i, _ in KNOWN])
def test_known_answers(inputs: list[int], expected: int) -> None:
    assert poseidon(inputs) == expected
    assert poseidon(tuple(inputs)) == expected


def test_optimised_equals_textbook_permutation_for_every_width() -> None:
    rng = random.Random(1)
    for n in range(1, MAX_INPUTS + 1):
        for inputs in ([0] * n, [R - 1] * n, [rng.randrange(R) for _ in range(n)]):
            assert poseidon(inputs) == poseidon_reference(inputs), n


def test_parameter_shapes() -> None:
    for t in (2, 3, 6, 7):
        p = params(t)
        assert p.partial_rounds == PARTIAL_ROUNDS[t - 2]
        assert len(p.round_constants) == 8 + p.partial_rounds
        assert all(len(c) == t and all(0 <= x < R for x in c) for c in p.round_constants)
        assert len(p.mds) == t and all(len(row) == t for row in p.mds)
        o = optimized_params(t)
        assert len(o.partial_sparse) == p.partial_rounds == len(o.partial_constants)
    assert params(3) is params(3)  # cached per width


def test_constants_equal_circomlibjs_tables(oracle: Oracle) -> None:
    """Our Grain-derived constants against the tables circomlibjs ships, for every width."""
    (tables,) = oracle([{"op": "poseidon_constants"}])
    assert len(tables["C"]) == MAX_INPUTS
    for t in range(2, MAX_INPUTS + 2):
        p = params(t)
        assert [str(c) for row in p.round_constants for c in row] == tables["C"][t - 2], t
        assert [[str(m) for m in row] for row in p.mds] == tables["M"][t - 2], t


def _edge_or_random(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([0, 1, 2, R - 1, R - 2, (R - 1) // 2])
    if roll < 0.2:
        return rng.randrange(1 << 64)
    return rng.randrange(R)


def test_random_vectors_match_circomlibjs(oracle: Oracle) -> None:
    """240 random vectors of arity 1..6 (40 each) plus 2 per arity 7..16, in one node call."""
    rng = random.Random(20240601)
    vectors = [[_edge_or_random(rng) for _ in range(n)] for n in range(1, 7) for _ in range(40)]
    vectors += [[_edge_or_random(rng) for _ in range(n)] for n in range(7, MAX_INPUTS + 1) for _ in range(2)]
    requests = [{"op": "poseidon", "inputs": [str(x) for x in v]} for v in vectors]
    # A few through circomlibjs' plain reference implementation as well as its wasm one.
    requests += [{"op": "poseidon_reference", "inputs": [str(x) for x in v]} for v in vectors[::20]]
    results = oracle(requests)
    expected = [poseidon(v) for v in vectors] + [poseidon(v) for v in vectors[::20]]
    pairs = zip(requests, results, expected, strict=True)
    mismatches = [(req, got, exp) for req, got, exp in pairs if int(got) != exp]
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize(
    "inputs",
    [[], [0] * (MAX_INPUTS + 1), [R], [1, R + 5], [-1], [1, "2"], [True], [1.0], [None]],
    ids=["empty", "too-many", "r", "r+5", "negative", "str", "bool", "float", "none"],
)
def test_bad_inputs_raise_crypto_error(inputs: list[object]) -> None:
    with pytest.raises(CryptoError):
        poseidon(inputs)  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        poseidon_reference(inputs)  # type: ignore[arg-type]


def test_bad_input_after_good_call_still_raises() -> None:
    poseidon([1, 2])  # warm the compiled fast path for this arity
    with pytest.raises(CryptoError, match="outside the BN254 scalar field"):
        poseidon([1, R])
    with pytest.raises(CryptoError, match="must be an int"):
        poseidon([1, "x"])  # type: ignore[list-item]


def test_bad_width_for_params() -> None:
    with pytest.raises(CryptoError):
        params(1)
    with pytest.raises(CryptoError):
        params(MAX_INPUTS + 2)
