"""The circuits of a profile, built on demand: compile (cached), keys (cached or a fresh setup). Two per
profile: the block circuit (circuits/main/<profile>.circom) and the exodus exit circuit
(circuits/main/exit_<profile>.circom, docs/exodus.md section 4).

`rollup circuit build` and `rollup deploy` both need it; the first call on a fresh clone compiles the
circuit and runs the single-party setup (about a minute for the test profile), later calls read caches.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from orchestrator.errors import ProverError
from orchestrator.l2.block import Block
from orchestrator.l2.exit import ExitClaim
from orchestrator.l2.params import get_profile
from orchestrator.paths import cache_dir
from orchestrator.prover.compile import CompiledCircuit, compile_circuit, find_compiled
from orchestrator.prover.groth16 import CircuitKeys, Groth16PyBackend, Proof

Status = Callable[[str], AbstractContextManager[object]]
"""Shows a message while a long step runs (rich's console.status, or nothing)."""


def _quiet(_: str) -> AbstractContextManager[object]:
    return nullcontext()


def main_file(profile: str) -> Path:
    """The block circuit's main: `profile` names a circuit (`test`, or `test_validium` in Validium mode)."""
    circuit = get_profile(profile).circuit  # an unknown profile is a ConfigError naming the known ones
    return Path("circuits") / "main" / f"{circuit}.circom"


def exit_main_file(profile: str) -> Path:
    """The exit circuit's main: one per shape, whatever the data mode (it proves a leaf of a state root)."""
    return Path("circuits") / "main" / f"exit_{get_profile(profile).name}.circom"


def compiled_profile(profile: str, status: Status = _quiet) -> CompiledCircuit:
    return compiled_main(main_file(profile), status)


def compiled_main(main: Path, status: Status = _quiet) -> CompiledCircuit:
    cached = find_compiled(main)
    if cached is not None:
        return cached
    with status(f"compiling {main} with circom2 --O2 (minutes for large profiles)"):
        return compile_circuit(main)


def profile_keys(
    profile: str, status: Status = _quiet, backend: Groth16PyBackend | None = None, zkey: Path | None = None
) -> tuple[CompiledCircuit, CircuitKeys]:
    """The compiled block circuit and its keys: a ceremony zkey when given, else cached keys, else a fresh
    single-party setup (UNSAFE for real value)."""
    return circuit_keys(main_file(profile), status, backend, zkey)


def exit_profile_keys(
    profile: str, status: Status = _quiet, backend: Groth16PyBackend | None = None
) -> tuple[CompiledCircuit, CircuitKeys]:
    """The profile's exit circuit and its keys (cached, else a single-party setup: UNSAFE for real value)."""
    return circuit_keys(exit_main_file(profile), status, backend)


def circuit_keys(
    main: Path, status: Status = _quiet, backend: Groth16PyBackend | None = None, zkey: Path | None = None
) -> tuple[CompiledCircuit, CircuitKeys]:
    """Any main's compiled circuit and keys, as `profile_keys` says."""
    compiled = compiled_main(main, status)
    backend = backend or Groth16PyBackend()
    if zkey is not None:
        return compiled, backend.import_ceremony_zkey(compiled, zkey)
    keys = backend.cached_keys(compiled)
    if keys is None:
        with status("running the single-party setup (UNSAFE for real value)"):
            keys = backend.setup(compiled)
    return compiled, keys


class BlockProver:
    """Proves model blocks with one profile's circuit; keeps the proving key in memory between blocks
    (loading it again costs as much as a proof or more, docs/benchmarks/prover.md)."""

    def __init__(
        self,
        profile: str,
        status: Status = _quiet,
        backend: Groth16PyBackend | None = None,
        *,
        build: bool = True,
    ) -> None:
        """`build=False`: the circuit and keys must already be in the cache; never compile, never run a
        setup (a prover worker must prove with the sequencer's keys, not make keys of its own)."""
        self.profile = profile
        self.backend = backend or Groth16PyBackend()
        if build:
            self.circuit, self.keys = profile_keys(profile, status, self.backend)
            return
        compiled = find_compiled(main_file(profile))
        keys = None if compiled is None else self.backend.cached_keys(compiled)
        if compiled is None or keys is None:
            raise ProverError(
                f"the {profile} circuit or its keys are not in this machine's cache ({cache_dir()}): "
                "copy the sequencer's circuits/ and keys/ there"
            )
        self.circuit, self.keys = compiled, keys

    def load(self) -> None:
        """Load the proving key now rather than at the first proof."""
        self.backend.load(self.keys)

    def prove(self, block: Block) -> Proof:
        """A proof of `block`, checked in-process against the block's public input before it is returned."""
        circuit = get_profile(self.profile).circuit
        if block.profile.circuit != circuit:
            raise ProverError(
                f"block {block.number} is for circuit {block.profile.circuit}, the prover's is {circuit}"
            )
        with tempfile.TemporaryDirectory(prefix="rollup-witness-") as tmp:
            witness = self.backend.witness(self.circuit, block.circuit_input(), Path(tmp) / "block.wtns")
            if witness.public_signals != (block.public_input,):
                raise ProverError(
                    f"block {block.number}: the circuit computed another public input than the model"
                )
            return self.backend.prove(self.keys, witness)


class ExitProver:
    """Proves exodus exit claims with one profile's exit circuit (docs/exodus.md section 4)."""

    def __init__(
        self, profile: str, status: Status = _quiet, backend: Groth16PyBackend | None = None
    ) -> None:
        self.profile = profile
        self.backend = backend or Groth16PyBackend()
        self.circuit, self.keys = circuit_keys(exit_main_file(profile), status, self.backend)

    def prove(self, claim: ExitClaim) -> Proof:
        """A proof of `claim`, checked in-process against its public signals before it is returned."""
        with tempfile.TemporaryDirectory(prefix="rollup-exit-") as tmp:
            witness = self.backend.witness(self.circuit, claim.circuit_input(), Path(tmp) / "exit.wtns")
            if witness.public_signals != claim.public_signals:
                raise ProverError(f"account {claim.account}: the exit circuit computed other public inputs")
            return self.backend.prove(self.keys, witness)
