"""BN254 G1 arithmetic through a live chain's precompiles (0x06 ecAdd, 0x07 ecMul, 0x08 pairing), for tests
that craft proofs: the chain itself is the reference, no extra curve library."""

from __future__ import annotations

from eth_abi.abi import encode
from web3 import Web3

from orchestrator.prover.groth16 import BASE_FIELD_Q

G1 = tuple[int, int]
G1_GENERATOR: G1 = (1, 2)


def precompile(w3: Web3, address: int, words: list[int]) -> list[int]:
    data = encode(["uint256"] * len(words), words)
    out = bytes(w3.eth.call({"to": Web3.to_checksum_address(f"0x{address:040x}"), "data": data}))
    return [int.from_bytes(out[i : i + 32], "big") for i in range(0, len(out), 32)]


def g1_add(w3: Web3, p: G1, q: G1) -> G1:
    x, y = precompile(w3, 6, [*p, *q])
    return x, y


def g1_mul(w3: Web3, p: G1, s: int) -> G1:
    x, y = precompile(w3, 7, [*p, s])
    return x, y


def g1_neg(p: G1) -> G1:
    return p[0], (BASE_FIELD_Q - p[1]) % BASE_FIELD_Q


def pairing_holds(w3: Web3, words: list[int]) -> bool:
    """The pairing precompile's check over (G1, G2) pairs given as words."""
    return precompile(w3, 8, words) == [1]
