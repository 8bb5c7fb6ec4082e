"""The generated verifier's `verifyProofs`: several Groth16 proofs checked with one pairing, weighted by
scalars drawn from the batch itself (orchestrator/prover/solidity_verifier.py). Live anvil, the toy
circuit (two public signals), proofs from groth16py."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from orchestrator.contracts.compiler import compile_standard_json
from orchestrator.prover.groth16 import BASE_FIELD_Q, SCALAR_FIELD_R, Proof, VerifyingKey
from orchestrator.prover.solidity_verifier import generate_verifier
from tests.bn254 import G1_GENERATOR, g1_add, g1_mul, g1_neg, pairing_holds
from tests.prover.test_pipeline import TOY_INPUTS, ToyRun, negated_a, off_curve_a
from tests.prover.test_solidity_verifier import call, custom_error

Batch = list[tuple[Proof, tuple[int, ...]]]


@pytest.fixture(scope="module")
def batch(toy: ToyRun, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Eight valid proofs: four statements (x * y = p), each proven twice with fresh randomness."""
    workdir = tmp_path_factory.mktemp("batch")
    proofs: Batch = []
    for x, y in ((3, 5), (2, 7), (11, 13), (1, 1)):
        inputs = {**TOY_INPUTS, "x": x, "y": y, "p": x * y}
        witness = toy.backend.witness(toy.circuit, inputs, workdir / f"toy-{x}-{y}.wtns")
        for _ in range(2):
            proofs.append((toy.backend.prove(toy.keys, witness), tuple(witness.public_signals)))
    for proof, public in proofs:
        assert proof.in_field() and len(public) == 2
    return proofs


def verify_all(verifier: Contract, batch: Batch) -> bool:
    result: bool = verifier.functions.verifyProofs(*_args(batch)).call()
    return result


def _args(batch: Batch) -> tuple[list[Any], list[int]]:
    return [p.evm_args() for p, _ in batch], [v for _, public in batch for v in public]


def _reverts(verifier: Contract, proofs: list[Any], inputs: list[int]) -> Any:
    with pytest.raises(ContractCustomError) as caught:
        verifier.functions.verifyProofs(proofs, inputs).call()
    return caught.value.data


def test_a_batch_of_valid_proofs_is_accepted(verifier: Contract, batch: Batch) -> None:
    for proof, public in batch:  # each is valid on its own
        assert call(verifier, proof, public) is True
    assert verify_all(verifier, batch[:1]) is True
    assert verify_all(verifier, batch[:3]) is True
    assert verify_all(verifier, batch) is True


def test_one_bad_proof_fails_the_whole_batch(verifier: Contract, batch: Batch) -> None:
    for bad in (0, 5, 7):
        proof, public = batch[bad]
        for wrong in ((negated_a(proof), public), (proof, (public[0], public[1] + 1))):
            tampered = [*batch[:bad], wrong, *batch[bad + 1 :]]
            assert verify_all(verifier, tampered) is False
    # Two valid proofs with their inputs swapped: each is a valid proof of the other statement.
    swapped = [(batch[0][0], batch[2][1]), (batch[2][0], batch[0][1]), *batch[4:]]
    assert verify_all(verifier, swapped) is False


def test_bad_proofs_crafted_to_cancel_fail(w3: Web3, verifier: Contract, toy: ToyRun, batch: Batch) -> None:
    """C_1 + X and C_2 - X: each proof is wrong, but an unweighted sum of the two checks cancels the error.
    The pairing precompile shows that the unweighted check passes; verifyProofs weights each proof by a
    scalar the prover cannot choose, so the batch fails."""
    (p1, in1), (p2, in2) = batch[0], batch[2]
    shift = g1_mul(w3, G1_GENERATOR, 123456789)
    bad1 = Proof(a=p1.a, b=p1.b, c=g1_add(w3, p1.c, shift))
    bad2 = Proof(a=p2.a, b=p2.b, c=g1_add(w3, p2.c, g1_neg(shift)))
    assert call(verifier, bad1, in1) is False and call(verifier, bad2, in2) is False
    assert _unweighted_check(w3, toy, [(bad1, in1), (bad2, in2)]) is True
    assert _unweighted_check(w3, toy, [batch[0], batch[2]]) is True  # and of course valid proofs pass it
    assert verify_all(verifier, [(bad1, in1), (bad2, in2)]) is False
    assert verify_all(verifier, [(bad1, in1), *batch[4:], (bad2, in2)]) is False


def _unweighted_check(w3: Web3, toy: ToyRun, batch: Batch) -> bool:
    """prod e(-A_i, B_i) * e(k alpha, beta) * e(sum vk_x_i, gamma) * e(sum C_i, delta) == 1: the batch check
    with every scalar 1, built from the verifying key the contract was generated from."""
    vk = toy.keys.verifying_key
    words: list[int] = []
    c_sum = vk_x = None
    for proof, public in batch:
        a, b, _ = proof.evm_args()
        words += [*g1_neg((a[0], a[1])), b[0][0], b[0][1], b[1][0], b[1][1]]
        term = vk.ic[0]
        for i, value in enumerate(public):
            term = g1_add(w3, term, g1_mul(w3, vk.ic[i + 1], value))
        vk_x = term if vk_x is None else g1_add(w3, vk_x, term)
        c_sum = proof.c if c_sum is None else g1_add(w3, c_sum, proof.c)
    assert vk_x is not None and c_sum is not None
    words += [*g1_mul(w3, vk.alpha1, len(batch)), *_g2_words(vk.beta2)]
    words += [*vk_x, *_g2_words(vk.gamma2), *c_sum, *_g2_words(vk.delta2)]
    return pairing_holds(w3, words)


def _g2_words(point: Any) -> list[int]:
    """A G2 point in precompile order: x.c1, x.c0, y.c1, y.c0."""
    return [point[0][1], point[0][0], point[1][1], point[1][0]]


def test_malformed_batches_revert_naming_the_position(verifier: Contract, batch: Batch) -> None:
    proofs, inputs = _args(batch[:3])
    assert _reverts(verifier, [], []) == custom_error("EmptyBatch()")
    assert _reverts(verifier, proofs, inputs[:-1]) == custom_error("BatchInputCount(uint256,uint256)", 6, 5)
    high = [*inputs[:3], inputs[3] + SCALAR_FIELD_R, *inputs[4:]]
    assert _reverts(verifier, proofs, high) == custom_error(
        "PublicInputNotInField(uint256,uint256,uint256)", 3, SCALAR_FIELD_R, inputs[3] + SCALAR_FIELD_R
    )
    second = batch[1][0]
    shifted = Proof(a=(second.a[0], second.a[1] + BASE_FIELD_Q), b=second.b, c=second.c)
    proofs_shifted = [proofs[0], shifted.evm_args(), proofs[2]]
    assert _reverts(verifier, proofs_shifted, inputs) == custom_error(
        "ProofCoordinateNotInField(uint256,uint256,uint256)", 9, BASE_FIELD_Q, shifted.a[1]
    )
    off_curve = [proofs[0], proofs[1], off_curve_a(batch[2][0]).evm_args()]
    assert _reverts(verifier, off_curve, inputs) == custom_error("ProofPointNotOnCurve(uint256)", 6)


def test_batch_gas_per_proof(w3: Web3, verifier: Contract, batch: Batch, record_property: Any) -> None:
    """Whole-transaction gas of verifyProofs per proof, against verifyProof alone (printed, recorded; the
    benchmark reports the rollup's figures)."""
    per_proof = {}
    for k in (1, 2, 4, 8):
        tx_hash = verifier.functions.verifyProofs(*_args(batch[:k])).transact({"from": w3.eth.accounts[0]})
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        per_proof[k] = receipt["gasUsed"] // k
        record_property(f"verifyProofs_{k}_gas_per_proof", per_proof[k])
    print(f"\nverifyProofs, 2 public inputs, gas per proof: {per_proof}")
    assert per_proof[8] < per_proof[1]  # a behaviour, not a target: batching must pay


@pytest.mark.parametrize("n_public", [1, 2, 3, 5, 8])
def test_verifiers_compile_for_any_input_count(n_public: int) -> None:
    """The batch code keeps under the EVM's 16 reachable stack slots whatever the public input count (the
    exit verifier has 3): a key of generator points is enough to compile, nothing is proven with it."""
    g2 = (
        (
            10857046999023057135944570762232829481370756359578518086990519993285655852781,
            11559732032986387107991004021392285783925812861821192530917403151452391805634,
        ),
        (
            8495653923123431417604973247489272438418190587263600148770280649306958101930,
            4082367875863433681332203403145435568316851327593401208105741076214120093531,
        ),
    )
    vk = VerifyingKey(alpha1=(1, 2), beta2=g2, gamma2=g2, delta2=g2, ic=((1, 2),) * (n_public + 1))
    compiled = compile_standard_json({"generated/V.sol": generate_verifier(vk, "V")})["V"]
    assert compiled.warnings == ()
    assert any(item.get("name") == "verifyProofs" for item in compiled.abi)
