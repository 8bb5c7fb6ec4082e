"""Constraint budgets (docs/circuits.md): the depth-24 transfer slot with its share of sha256 stays
within 35k constraints, the depth-24 on-chain slot and the test profile's block near their measured
sizes."""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.prover.compile import CompiledCircuit

Circuit = Callable[[str], CompiledCircuit]
# circomlib Sha256: ~30.3k constraints per extra 64-byte block (measured 5 -> 10 blocks), per byte:
SHA256_PER_BYTE = 474
TRANSFER_RECORD_BYTES = 14


def test_transfer_slot_at_depth_24_within_budget(circuit: Circuit) -> None:
    slot = circuit("transfer_d24").header
    # The main's 113 outputs add a few linear constraints that a block would not have.
    total = slot.n_constraints + TRANSFER_RECORD_BYTES * SHA256_PER_BYTE
    assert total <= 35_000, total
    assert TRANSFER_RECORD_BYTES <= 16


def test_onchain_op_slot_at_depth_24(circuit: Circuit) -> None:
    # docs/circuits.md reports 13,958; it carries the Withdraw's signature check in every slot.
    assert circuit("onchain_op_d24").header.n_constraints <= 15_000


def test_test_profile_size(circuit: Circuit) -> None:
    block = circuit("circuits/main/test.circom").header
    assert 180_000 <= block.n_constraints <= 200_000, block.n_constraints
