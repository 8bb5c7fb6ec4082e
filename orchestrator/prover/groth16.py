"""Groth16 on BN254 behind one interface: setup, witness, prove, verify.

`Groth16Backend` is the interface the sequencer uses. `Groth16PyBackend` implements it on the PyPI
package groth16py (arkworks): setup and proving in-process, witnesses from circom's wasm through node.
`SnarkjsVerifier` checks proofs with the snarkjs CLI, an implementation independent of groth16py.

Keys and proofs cross tools in snarkjs's JSON shapes (verification_key.json, proof.json, public.json).
groth16py cannot write a .zkey, so snarkjs never proves with our keys: it only verifies, from the
verification key that groth16py exports in snarkjs JSON.

Setup. `Groth16PyBackend.setup` is single-party: whoever ran it knows the toxic waste and can forge
proofs, so it is UNSAFE for anything of value (dev and CI only). Its keys are cached under
build/keys/<circuit>-<r1cs sha256>/unsafe-setup/. The production path is a snarkjs ceremony imported
with `Groth16PyBackend.import_ceremony_zkey`:
  1. phase 1: a powers-of-tau file of 2^k >= constraints + public inputs + 1 (a public one such as the
     perpetual powers of tau, or `snarkjs powersoftau new/contribute/beacon/prepare phase2`);
  2. phase 2: `snarkjs groth16 setup circuit.r1cs pot.ptau c0.zkey`, one `snarkjs zkey contribute` per
     participant, a final `snarkjs zkey beacon`, then `snarkjs zkey verify circuit.r1cs pot.ptau final.zkey`
     (the import below checks only shape, not that the zkey belongs to this r1cs);
  3. `import_ceremony_zkey(circuit, Path("final.zkey"))` caches the keys under .../ceremony-<zkey hash>/;
     proofs then verify under `snarkjs zkey export verificationkey final.zkey`, and the Solidity verifier
     is generated from that key as usual.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import groth16py

from orchestrator.errors import ProverError
from orchestrator.paths import cache_dir
from orchestrator.prover.compile import (
    CompiledCircuit,
    InputValue,
    Witness,
    WitnessMethod,
    calculate_witness,
    file_sha256,
)
from orchestrator.prover.tools import one_line, run_node, snarkjs_script

__all__ = [
    "BASE_FIELD_Q",
    "SCALAR_FIELD_R",
    "CircuitKeys",
    "Groth16Backend",
    "Groth16PyBackend",
    "InputValue",
    "Proof",
    "ProofVerifier",
    "SnarkjsVerifier",
    "VerifyingKey",
    "Witness",
    "WitnessMethod",
    "calculate_witness",
    "check_public_signals",
]

# BN254: base field of curve coordinates (q) and scalar field of circuit signals (r).
BASE_FIELD_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SCALAR_FIELD_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

G1: TypeAlias = tuple[int, int]
# G2 coordinates in mathematical order ((x.c0, x.c1), (y.c0, y.c1)), as snarkjs JSON has them.
G2: TypeAlias = tuple[tuple[int, int], tuple[int, int]]
UNSAFE_WARNING = "single-party Groth16 setup: its creator can forge proofs; never use it for real value"


def _g1(raw: Any) -> G1:
    if len(raw) != 3 or int(raw[2]) != 1:
        raise ProverError("G1 point in snarkjs JSON is not affine [x, y, 1]")
    return int(raw[0]), int(raw[1])


def _g2(raw: Any) -> G2:
    if len(raw) != 3 or [int(v) for v in raw[2]] != [1, 0]:
        raise ProverError("G2 point in snarkjs JSON is not affine [[x0, x1], [y0, y1], [1, 0]]")
    return (int(raw[0][0]), int(raw[0][1])), (int(raw[1][0]), int(raw[1][1]))


def _g1_json(point: G1) -> list[str]:
    return [str(point[0]), str(point[1]), "1"]


def _g2_json(point: G2) -> list[list[str]]:
    (x0, x1), (y0, y1) = point
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


@dataclass(frozen=True)
class VerifyingKey:
    """A Groth16 verifying key over BN254 (the content of snarkjs's verification_key.json)."""

    alpha1: G1
    beta2: G2
    gamma2: G2
    delta2: G2
    ic: tuple[G1, ...]

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1

    @classmethod
    def from_snarkjs(cls, data: Mapping[str, Any]) -> VerifyingKey:
        try:
            if data["protocol"] != "groth16" or data["curve"] != "bn128":
                raise ProverError(f"not a BN254 Groth16 key: {data['protocol']}/{data['curve']}")
            vk = cls(
                alpha1=_g1(data["vk_alpha_1"]),
                beta2=_g2(data["vk_beta_2"]),
                gamma2=_g2(data["vk_gamma_2"]),
                delta2=_g2(data["vk_delta_2"]),
                ic=tuple(_g1(point) for point in data["IC"]),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProverError(f"malformed snarkjs verification key: {exc!r}") from None
        if vk.n_public != int(data.get("nPublic", vk.n_public)):
            raise ProverError(f"verification key has {len(vk.ic)} IC points but nPublic {data['nPublic']}")
        return vk

    @classmethod
    def load(cls, path: Path) -> VerifyingKey:
        try:
            return cls.from_snarkjs(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise ProverError(f"cannot read verification key {path}: {exc}") from None

    def to_snarkjs(self) -> dict[str, Any]:
        return {
            "protocol": "groth16",
            "curve": "bn128",
            "nPublic": self.n_public,
            "vk_alpha_1": _g1_json(self.alpha1),
            "vk_beta_2": _g2_json(self.beta2),
            "vk_gamma_2": _g2_json(self.gamma2),
            "vk_delta_2": _g2_json(self.delta2),
            "IC": [_g1_json(point) for point in self.ic],
        }


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof (A in G1, B in G2, C in G1); B in mathematical coordinate order."""

    a: G1
    b: G2
    c: G1

    def words(self) -> tuple[int, ...]:
        """The eight words of the EVM layout: G2 coordinates imaginary part first (EIP-197)."""
        (bx0, bx1), (by0, by1) = self.b
        return (*self.a, bx1, bx0, by1, by0, *self.c)

    def to_bytes(self) -> bytes:
        """The 256-byte Ethereum proof blob groth16py reads and writes."""
        return b"".join(word.to_bytes(32, "big") for word in self.words())

    @classmethod
    def from_bytes(cls, blob: bytes) -> Proof:
        if len(blob) != 256:
            raise ProverError(f"a Groth16 proof blob has 256 bytes, got {len(blob)}")
        w = [int.from_bytes(blob[i : i + 32], "big") for i in range(0, 256, 32)]
        return cls(a=(w[0], w[1]), b=((w[3], w[2]), (w[5], w[4])), c=(w[6], w[7]))

    def evm_args(self) -> tuple[list[int], list[list[int]], list[int]]:
        """(a, b, c) for `verifyProof(a, b, c, input)`: b as [[x.c1, x.c0], [y.c1, y.c0]]."""
        w = self.words()
        return [w[0], w[1]], [[w[2], w[3]], [w[4], w[5]]], [w[6], w[7]]

    def in_field(self) -> bool:
        return all(0 <= word < BASE_FIELD_Q for word in self.words())

    def to_snarkjs(self) -> dict[str, Any]:
        return {
            "pi_a": _g1_json(self.a),
            "pi_b": _g2_json(self.b),
            "pi_c": _g1_json(self.c),
            "protocol": "groth16",
            "curve": "bn128",
        }

    @classmethod
    def from_snarkjs(cls, data: Mapping[str, Any]) -> Proof:
        try:
            return cls(a=_g1(data["pi_a"]), b=_g2(data["pi_b"]), c=_g1(data["pi_c"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProverError(f"malformed snarkjs proof: {exc!r}") from None


@dataclass(frozen=True)
class CircuitKeys:
    """Proving and verifying keys of one circuit (one r1cs), as cached under build/keys/."""

    circuit_name: str
    r1cs_sha256: str
    directory: Path
    verifying_key: VerifyingKey
    unsafe: bool
    origin: str

    @property
    def proving_key(self) -> Path:
        return self.directory / "proving_key.bin"

    @property
    def verification_key_json(self) -> Path:
        return self.directory / "verification_key.json"


class ProofVerifier(Protocol):
    def verify(self, vk: VerifyingKey, proof: Proof, public_signals: Sequence[int]) -> bool:
        """True iff the proof is valid for these public signals; a malformed statement raises."""
        ...


class Groth16Backend(ProofVerifier, Protocol):
    """What the sequencer needs from a Groth16 implementation."""

    def setup(self, circuit: CompiledCircuit) -> CircuitKeys:
        """Single-party setup (UNSAFE for real value), cached by r1cs hash."""
        ...

    def witness(self, circuit: CompiledCircuit, inputs: Mapping[str, InputValue], out: Path) -> Witness: ...

    def prove(self, keys: CircuitKeys, witness: Witness) -> Proof: ...


def check_public_signals(vk: VerifyingKey, public_signals: Sequence[int]) -> None:
    """A statement is malformed, not false, if its size or a value is wrong: raise rather than return."""
    if len(public_signals) != vk.n_public:
        raise ProverError(f"expected {vk.n_public} public signals, got {len(public_signals)}")
    for index, value in enumerate(public_signals):
        if not 0 <= value < SCALAR_FIELD_R:
            raise ProverError(f"public signal {index} is not in the scalar field: {value}")


@dataclass
class Groth16PyBackend:
    """Groth16 on groth16py 0.2.0 (arkworks): setup and proving in-process, witnesses through node."""

    witness_method: WitnessMethod = "node"
    keys_root: Path = field(default_factory=lambda: cache_dir() / "keys")
    _proving_keys: dict[Path, groth16py.ProvingKey] = field(default_factory=dict, repr=False)
    _verifiers: dict[VerifyingKey, groth16py.Verifier] = field(default_factory=dict, repr=False)

    def _key_dir(self, circuit: CompiledCircuit, kind: str) -> Path:
        return self.keys_root / f"{circuit.name}-{circuit.r1cs_sha256[:16]}" / kind

    def _load_cached(self, directory: Path) -> CircuitKeys | None:
        manifest = directory / "keys.json"
        if not manifest.is_file():
            return None
        try:
            meta = json.loads(manifest.read_text())
            return CircuitKeys(
                circuit_name=str(meta["circuit"]),
                r1cs_sha256=str(meta["r1cs_sha256"]),
                directory=directory,
                verifying_key=VerifyingKey.load(directory / "verification_key.json"),
                unsafe=bool(meta["unsafe"]),
                origin=str(meta["origin"]),
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ProverError(f"key cache {directory} is unusable ({exc}): delete it to redo setup") from None

    def _store(
        self,
        circuit: CompiledCircuit,
        directory: Path,
        made: tuple[groth16py.ProvingKey, groth16py.VerifyingKey],
        origin: str,
        unsafe: bool,
    ) -> CircuitKeys:
        pk, gvk = made
        vk = VerifyingKey.from_snarkjs(json.loads(gvk.to_json()))
        if vk.n_public != circuit.n_public:
            raise ProverError(f"key has {vk.n_public} public inputs, {circuit.name} has {circuit.n_public}")
        staging = directory.with_name(f"{directory.name}.{os.getpid()}.tmp")  # parallel test workers
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        pk.save(str(staging / "proving_key.bin"))
        (staging / "verification_key.json").write_text(json.dumps(vk.to_snarkjs(), indent=1) + "\n")
        meta: dict[str, object] = {
            "circuit": circuit.name,
            "r1cs_sha256": circuit.r1cs_sha256,
            "unsafe": unsafe,
            "origin": origin,
        }
        if unsafe:
            meta["warning"] = UNSAFE_WARNING
        (staging / "keys.json").write_text(json.dumps(meta, indent=2) + "\n")
        theirs = self._load_cached(directory) if unsafe else None  # another process finished first
        if theirs is None:
            shutil.rmtree(directory, ignore_errors=True)
            try:
                staging.rename(directory)
            except OSError:  # another process renamed its keys into place in between
                theirs = self._load_cached(directory)
                if theirs is None:
                    raise
        shutil.rmtree(staging, ignore_errors=True)
        if theirs is not None:
            return theirs  # its keys are the keys; ours are dropped
        keys = self._load_cached(directory)
        assert keys is not None  # just written
        if keys.verifying_key == vk:  # still ours (not replaced by a racing process): keep the key loaded
            self._proving_keys[keys.proving_key] = pk
        return keys

    def cached_keys(self, circuit: CompiledCircuit) -> CircuitKeys | None:
        """The keys already made for this circuit (setup or imported ceremony), without making any."""
        root = self.keys_root / f"{circuit.name}-{circuit.r1cs_sha256[:16]}"
        if not root.is_dir():
            return None
        for directory in sorted(root.iterdir()):
            if directory.name.startswith("ceremony-"):
                return self._load_cached(directory)
        return self._load_cached(root / "unsafe-setup")

    def setup(self, circuit: CompiledCircuit) -> CircuitKeys:
        """Single-party setup: UNSAFE for anything of value (see the module docstring)."""
        directory = self._key_dir(circuit, "unsafe-setup")
        cached = self._load_cached(directory)
        if cached is not None:
            return cached
        try:
            made = groth16py.setup(str(circuit.r1cs))
        except (groth16py.SetupError, groth16py.EncodingError, OSError, ValueError) as exc:
            raise ProverError(f"setup of {circuit.name} failed: {exc}") from None
        return self._store(circuit, directory, made, "single-party setup (groth16py)", unsafe=True)

    def import_ceremony_zkey(self, circuit: CompiledCircuit, zkey: Path) -> CircuitKeys:
        """Adopt the keys of a snarkjs Groth16 ceremony (.zkey) for this circuit."""
        if not zkey.is_file():
            raise ProverError(f"zkey not found: {zkey}")
        directory = self._key_dir(circuit, f"ceremony-{file_sha256(zkey)[:16]}")
        cached = self._load_cached(directory)
        if cached is not None:
            return cached
        try:
            made = groth16py.import_zkey(str(zkey))
        except (groth16py.SetupError, groth16py.EncodingError, OSError, ValueError) as exc:
            raise ProverError(f"cannot import zkey {zkey.name}: {exc}") from None
        return self._store(circuit, directory, made, f"snarkjs ceremony zkey {zkey.name}", unsafe=False)

    def witness(self, circuit: CompiledCircuit, inputs: Mapping[str, InputValue], out: Path) -> Witness:
        return calculate_witness(circuit, inputs, out, self.witness_method)

    def _proving_key(self, keys: CircuitKeys) -> groth16py.ProvingKey:
        pk = self._proving_keys.get(keys.proving_key)
        if pk is None:
            try:
                pk = groth16py.ProvingKey.load(str(keys.proving_key))
            except (groth16py.EncodingError, OSError, ValueError) as exc:
                raise ProverError(f"cannot load proving key {keys.proving_key}: {exc}") from None
            self._proving_keys[keys.proving_key] = pk
        return pk

    def load(self, keys: CircuitKeys) -> None:
        """Load the proving key now (it takes as long as a proof or longer) instead of at the first proof."""
        self._proving_key(keys)

    def prove(self, keys: CircuitKeys, witness: Witness) -> Proof:
        """Prove from a witness file, then check the proof: a bad proof must never leave the prover."""
        pk = self._proving_key(keys)
        try:
            proof = Proof.from_bytes(groth16py.prove_wtns(pk, str(witness.path)))
        except (groth16py.WitnessError, groth16py.EncodingError, OSError, ValueError) as exc:
            raise ProverError(f"proving {keys.circuit_name} failed: {exc}") from None
        if not self.verify(keys.verifying_key, proof, witness.public_signals):
            raise ProverError(f"proof for {keys.circuit_name} does not verify: witness and key disagree")
        return proof

    def verify(self, vk: VerifyingKey, proof: Proof, public_signals: Sequence[int]) -> bool:
        check_public_signals(vk, public_signals)
        if not proof.in_field():
            return False
        verifier = self._verifiers.get(vk)
        if verifier is None:
            verifier = groth16py.Verifier(groth16py.VerifyingKey.from_snarkjs(json.dumps(vk.to_snarkjs())))
            self._verifiers[vk] = verifier
        try:
            return verifier.verify(proof.to_bytes(), list(public_signals))
        except groth16py.EncodingError:
            return False  # a point off the curve or outside the subgroup: not a proof


class SnarkjsVerifier:
    """`snarkjs groth16 verify`: the verifier that shares no code with groth16py."""

    last_seconds: float = 0.0  # wall time of the last snarkjs run, for benchmarks

    def verify(self, vk: VerifyingKey, proof: Proof, public_signals: Sequence[int]) -> bool:
        check_public_signals(vk, public_signals)
        if not proof.in_field():
            return False  # snarkjs would reduce coordinates modulo q
        with tempfile.TemporaryDirectory(prefix="snarkjs-verify-") as tmp:
            folder = Path(tmp)
            files = {
                "vk.json": vk.to_snarkjs(),
                "public.json": [str(value) for value in public_signals],
                "proof.json": proof.to_snarkjs(),
            }
            for name, content in files.items():
                (folder / name).write_text(json.dumps(content))
            started = time.perf_counter()
            run = run_node(
                snarkjs_script(),
                ["groth16", "verify", *(str(folder / name) for name in files)],
                what="snarkjs groth16 verify",
                error=ProverError,
                check=False,
            )
            self.last_seconds = time.perf_counter() - started
        output = run.stdout + run.stderr
        if run.returncode == 0 and "OK!" in output:
            return True
        # "Proof commitments are not valid": a point off the curve or outside its subgroup.
        if "Invalid proof" in output or "Proof commitments are not valid" in output:
            return False
        raise ProverError(f"snarkjs groth16 verify failed (exit {run.returncode}): {one_line(output)}")
