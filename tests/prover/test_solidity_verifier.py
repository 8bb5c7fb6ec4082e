"""The generated Solidity verifier on a live anvil node: accepts the toy proof, rejects tampering.

Starts its own anvil on a free port (with --prune-history, so nothing piles up under ~/.foundry) and
stops it in teardown. The verifier is compiled with solc-js (cancun, optimizer 200 runs) and measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from orchestrator.paths import build_dir
from orchestrator.prover.groth16 import BASE_FIELD_Q, SCALAR_FIELD_R, Proof
from orchestrator.prover.solidity_verifier import generate_verifier, write_verifier
from tests.prover.test_pipeline import ToyRun, negated_a, off_curve_a

pytestmark = pytest.mark.integration

EXECUTION_GAS_BUDGET = 200_000


def call(verifier: Contract, proof: Proof, public: tuple[int, ...] | list[int]) -> bool:
    a, b, c = proof.evm_args()
    result: bool = verifier.functions.verifyProof(a, b, c, list(public)).call()
    return result


def custom_error(signature: str, *args: int) -> str:
    selector = Web3.keccak(text=signature)[:4]
    return "0x" + (selector + encode(["uint256"] * len(args), list(args))).hex()


def reverts_with(verifier: Contract, proof: Proof, public: tuple[int, ...] | list[int]) -> Any:
    with pytest.raises(ContractCustomError) as caught:
        call(verifier, proof, public)
    return caught.value.data


def test_generated_source_is_deterministic_and_bound_to_the_key(toy: ToyRun) -> None:
    vk = toy.keys.verifying_key
    source = generate_verifier(vk)
    assert source == generate_verifier(vk)
    assert "uint256[2] calldata input" in source and str(vk.delta2[0][1]) in source


def test_valid_proof_is_accepted(verifier: Contract, toy: ToyRun) -> None:
    assert verifier.functions.PUBLIC_INPUTS().call() == 2
    assert call(verifier, toy.proof, toy.witness.public_signals) is True


def test_tampered_proof_is_rejected(verifier: Contract, toy: ToyRun) -> None:
    public = toy.witness.public_signals
    assert call(verifier, negated_a(toy.proof), public) is False
    swapped = Proof(a=toy.proof.c, b=toy.proof.b, c=toy.proof.a)
    assert call(verifier, swapped, public) is False
    data = reverts_with(verifier, off_curve_a(toy.proof), public)
    assert data == custom_error("ProofPointNotOnCurve(uint256)", 0)
    off_b = Proof(
        a=toy.proof.a, b=((toy.proof.b[0][0] + 1, toy.proof.b[0][1]), toy.proof.b[1]), c=toy.proof.c
    )
    assert reverts_with(verifier, off_b, public) == custom_error("ProofPointNotOnCurve(uint256)", 1)


def test_tampered_input_is_rejected(verifier: Contract, toy: ToyRun) -> None:
    h, p = toy.witness.public_signals
    assert call(verifier, toy.proof, [h + 1, p]) is False
    assert call(verifier, toy.proof, [h, p + 1]) is False


def test_out_of_range_input_reverts_with_custom_error(verifier: Contract, toy: ToyRun) -> None:
    h, p = toy.witness.public_signals
    # h + r is h modulo r: the field-reducing verifier would accept it.
    data = reverts_with(verifier, toy.proof, [h, p + SCALAR_FIELD_R])
    assert data == custom_error(
        "PublicInputNotInField(uint256,uint256,uint256)", 1, SCALAR_FIELD_R, p + SCALAR_FIELD_R
    )


def test_out_of_range_coordinate_reverts_with_custom_error(verifier: Contract, toy: ToyRun) -> None:
    proof = toy.proof
    # a.y + q is a.y modulo q: the same point, unless coordinates are range-checked.
    shifted = Proof(a=(proof.a[0], proof.a[1] + BASE_FIELD_Q), b=proof.b, c=proof.c)
    data = reverts_with(verifier, shifted, toy.witness.public_signals)
    expected = custom_error(
        "ProofCoordinateNotInField(uint256,uint256,uint256)", 1, BASE_FIELD_Q, shifted.a[1]
    )
    assert data == expected


def calldata_gas(data: bytes) -> int:
    return sum(16 if byte else 4 for byte in data)


def test_verify_proof_gas(w3: Web3, verifier: Contract, toy: ToyRun, record_property: Any) -> None:
    a, b, c = toy.proof.evm_args()
    function = verifier.functions.verifyProof(a, b, c, list(toy.witness.public_signals))
    tx_hash = function.transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    data = bytes(w3.eth.get_transaction(tx_hash)["input"])
    execution = receipt["gasUsed"] - 21_000 - calldata_gas(data)
    record_property("verifyProof_gas_total", receipt["gasUsed"])
    record_property("verifyProof_gas_execution", execution)
    print(f"\nverifyProof, 2 public inputs: {receipt['gasUsed']} gas in total, {execution} execution")
    assert execution <= EXECUTION_GAS_BUDGET


def test_written_verifier_lands_under_build(toy: ToyRun) -> None:
    path = write_verifier(toy.keys.verifying_key)
    assert path == build_dir() / "verifiers" / "Groth16Verifier.sol"
    assert Path(path).read_text() == generate_verifier(toy.keys.verifying_key)
