"""The prover pipeline on the toy circuit: compile, setup, witness, prove, verify in-process and with snarkjs.

Build artifacts (compiled circuit, keys) are cached (orchestrator/paths.py, shared by clones), so only the
first run compiles (~4 s).
`prove_toy` is shared with test_solidity_verifier.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.errors import CompileError, ProverError
from orchestrator.paths import node_binary, repo_root
from orchestrator.prover.compile import CompiledCircuit, circuit_hash, compile_circuit, read_r1cs_header
from orchestrator.prover.groth16 import (
    BASE_FIELD_Q,
    SCALAR_FIELD_R,
    CircuitKeys,
    Groth16PyBackend,
    Proof,
    SnarkjsVerifier,
    VerifyingKey,
    Witness,
    calculate_witness,
)
from orchestrator.prover.tools import snarkjs_script

pytestmark = pytest.mark.integration

TOY = Path("circuits/toy/toy.circom")
TOY_INPUTS = {"x": 3, "y": 5, "p": 15}
# circomlibjs poseidon([3, 5]): the toy's public output h.
TOY_H = 6785167652243325121502926540806452447443769108715415059349984576933636058888


@dataclass(frozen=True)
class ToyRun:
    backend: Groth16PyBackend
    circuit: CompiledCircuit
    keys: CircuitKeys
    witness: Witness
    proof: Proof


def prove_toy(workdir: Path) -> ToyRun:
    backend = Groth16PyBackend()
    circuit = compile_circuit(TOY)
    keys = backend.setup(circuit)
    witness = backend.witness(circuit, TOY_INPUTS, workdir / "toy.wtns")
    return ToyRun(backend, circuit, keys, witness, backend.prove(keys, witness))


def negated_a(proof: Proof) -> Proof:
    """Still on the curve, so only the pairing can reject it."""
    return Proof(a=(proof.a[0], BASE_FIELD_Q - proof.a[1]), b=proof.b, c=proof.c)


def off_curve_a(proof: Proof) -> Proof:
    return Proof(a=(proof.a[0] + 1, proof.a[1]), b=proof.b, c=proof.c)


def test_compile_reports_constraints_and_is_cached(toy: ToyRun) -> None:
    circuit = toy.circuit
    # Poseidon(2) is 240 constraints with --O2, plus x * y == p.
    assert circuit.constraints == 241
    assert (circuit.header.n_pub_out, circuit.header.n_pub_in, circuit.header.n_prv_in) == (1, 1, 2)
    assert read_r1cs_header(circuit.r1cs) == circuit.header
    again = compile_circuit(TOY)
    assert again.cache_hit and again.directory == circuit.directory
    assert circuit.directory.name.startswith("toy-") and circuit.directory.parent.name == "circuits"


def test_circuit_hash_covers_included_files(tmp_path: Path) -> None:
    (tmp_path / "node_modules").symlink_to(repo_root() / "node_modules")
    lib = tmp_path / "circuits" / "lib" / "gadget.circom"
    lib.parent.mkdir(parents=True)
    lib.write_text("template G() {}\n")
    main = tmp_path / "circuits" / "main.circom"
    main.write_text('include "lib/gadget.circom";\n')
    before = circuit_hash(main, tmp_path)
    assert circuit_hash(main, tmp_path) == before
    lib.write_text("template G() { signal input a; }\n")
    assert circuit_hash(main, tmp_path) != before


def test_setup_is_cached_and_labelled_unsafe(toy: ToyRun) -> None:
    keys = toy.keys
    assert keys.unsafe and "unsafe" in keys.directory.name
    assert "forge" in json.loads((keys.directory / "keys.json").read_text())["warning"]
    assert keys.r1cs_sha256 == toy.circuit.r1cs_sha256
    assert keys.verifying_key.n_public == 2
    again = Groth16PyBackend().setup(toy.circuit)
    assert again.verifying_key == keys.verifying_key
    assert VerifyingKey.load(keys.verification_key_json) == keys.verifying_key


def test_witness_carries_public_signals_and_methods_agree(toy: ToyRun, tmp_path: Path) -> None:
    assert toy.witness.public_signals == (TOY_H, 15)
    via_snarkjs = calculate_witness(toy.circuit, TOY_INPUTS, tmp_path / "s.wtns", method="snarkjs")
    assert via_snarkjs.path.read_bytes() == toy.witness.path.read_bytes()


def test_unsatisfied_witness_is_one_line_error(toy: ToyRun, tmp_path: Path) -> None:
    with pytest.raises(ProverError, match="Assert Failed") as caught:
        toy.backend.witness(toy.circuit, {**TOY_INPUTS, "p": 16}, tmp_path / "bad.wtns")
    assert "\n" not in str(caught.value)
    with pytest.raises(ProverError, match="Not all inputs"):
        toy.backend.witness(toy.circuit, {"x": 3, "y": 5}, tmp_path / "bad.wtns")


def test_compile_error_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cubic.circom"
    bad.write_text(
        "pragma circom 2.0.0;\ntemplate C() { signal input x; signal output y; y <== x * x * x; }\n"
        "component main = C();\n"
    )
    with pytest.raises(CompileError, match="Non quadratic constraints") as caught:
        compile_circuit(bad, cache_dir=tmp_path / "cache")
    assert "\n" not in str(caught.value) and "cubic.circom:2" in str(caught.value)
    assert not any((tmp_path / "cache").iterdir())  # nothing that looks like a finished build


def test_proof_formats_round_trip(toy: ToyRun) -> None:
    proof = toy.proof
    assert Proof.from_bytes(proof.to_bytes()) == proof
    assert Proof.from_snarkjs(json.loads(json.dumps(proof.to_snarkjs()))) == proof
    a, b, c = proof.evm_args()
    assert b == [[proof.b[0][1], proof.b[0][0]], [proof.b[1][1], proof.b[1][0]]]
    assert a == list(proof.a) and c == list(proof.c)


def test_valid_proof_verifies_in_process_and_with_snarkjs(toy: ToyRun) -> None:
    vk, proof, public = toy.keys.verifying_key, toy.proof, toy.witness.public_signals
    assert toy.backend.verify(vk, proof, public)
    assert SnarkjsVerifier().verify(vk, proof, public)


@pytest.mark.parametrize("tamper", [negated_a, off_curve_a], ids=["negated-A", "off-curve-A"])
def test_tampered_proof_is_rejected_by_both(toy: ToyRun, tamper: Callable[[Proof], Proof]) -> None:
    bad = tamper(toy.proof)
    vk, public = toy.keys.verifying_key, toy.witness.public_signals
    assert not toy.backend.verify(vk, bad, public)
    assert not SnarkjsVerifier().verify(vk, bad, public)


def test_tampered_public_input_is_rejected_by_both(toy: ToyRun) -> None:
    vk, proof = toy.keys.verifying_key, toy.proof
    for public in [(TOY_H + 1, 15), (TOY_H, 16)]:
        assert not toy.backend.verify(vk, proof, public)
    assert not SnarkjsVerifier().verify(vk, proof, (TOY_H, 16))


def test_malformed_statement_raises(toy: ToyRun) -> None:
    vk, proof = toy.keys.verifying_key, toy.proof
    with pytest.raises(ProverError, match="expected 2 public signals"):
        toy.backend.verify(vk, proof, (TOY_H,))
    # h + r is h modulo r: accepting it would make the statement malleable.
    with pytest.raises(ProverError, match="not in the scalar field"):
        toy.backend.verify(vk, proof, (TOY_H + SCALAR_FIELD_R, 15))
    with pytest.raises(ProverError, match="not in the scalar field"):
        SnarkjsVerifier().verify(vk, proof, (TOY_H + SCALAR_FIELD_R, 15))


def test_ceremony_zkey_import(toy: ToyRun, tmp_path: Path) -> None:
    """A snarkjs ceremony (tiny powers of tau, one phase-2 contribution) imported instead of setup."""

    def snarkjs(*args: str) -> None:
        command = [node_binary(), str(snarkjs_script()), *args]
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)

    shutil.copy(toy.circuit.r1cs, tmp_path / "toy.r1cs")
    snarkjs("powersoftau", "new", "bn128", "8", "pot0.ptau")
    snarkjs("powersoftau", "contribute", "pot0.ptau", "pot1.ptau", "-e=test entropy")
    snarkjs("powersoftau", "prepare", "phase2", "pot1.ptau", "pot.ptau")
    snarkjs("groth16", "setup", "toy.r1cs", "pot.ptau", "toy0.zkey")
    snarkjs("zkey", "contribute", "toy0.zkey", "toy.zkey", "-e=more entropy")
    snarkjs("zkey", "export", "verificationkey", "toy.zkey", "vk.json")
    backend = Groth16PyBackend(keys_root=tmp_path / "keys")
    keys = backend.import_ceremony_zkey(toy.circuit, tmp_path / "toy.zkey")
    assert not keys.unsafe and "ceremony" in keys.directory.name
    assert keys.verifying_key == VerifyingKey.load(tmp_path / "vk.json")
    proof = backend.prove(keys, toy.witness)
    assert SnarkjsVerifier().verify(keys.verifying_key, proof, toy.witness.public_signals)
    assert not backend.verify(toy.keys.verifying_key, proof, toy.witness.public_signals)
