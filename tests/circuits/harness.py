"""Compile test mains and run witnesses for the circuit tests.

`compile_main` finds a test main by name and compiles it with the prover's cached compile.

`run` computes a witness (circom's generate_witness.js) and checks every constraint with
`snarkjs wtns check`; `fails` says whether inputs are rejected by either step.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import ProverError
from orchestrator.paths import node_binary, repo_root
from orchestrator.prover.compile import CompiledCircuit, InputValue, calculate_witness, compile_circuit
from orchestrator.prover.tools import snarkjs_script

ROOT = repo_root()
MAINS = Path(__file__).resolve().parent / "mains"


def compile_main(main: Path | str) -> CompiledCircuit:
    """Compile a main (a repository path, or a name under tests/circuits/mains/), or reuse its cached build.

    The prover's cache is keyed by the files a main includes, so editing one template recompiles only
    the mains that use it, and a profile main is shared with `rollup circuit build` and the proof test.
    """
    path = Path(main)
    if not path.is_absolute() and not (ROOT / path).is_file():
        path = MAINS / (str(main) if str(main).endswith(".circom") else f"{main}.circom")
    return compile_circuit(path)


@dataclass(frozen=True)
class Run:
    """A witness that satisfies every constraint; `outputs` are the main's outputs in order."""

    outputs: tuple[int, ...]
    wtns: Path


def check_constraints(circuit: CompiledCircuit, wtns: Path) -> bool:
    """`snarkjs wtns check`: True iff the witness satisfies every constraint of the r1cs."""
    done = subprocess.run(
        [node_binary(), str(snarkjs_script(ROOT)), "wtns", "check", str(circuit.r1cs), str(wtns)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    text = done.stdout + done.stderr
    return done.returncode == 0 and "WITNESS IS CORRECT" in text and "NOT CORRECT" not in text


def run(circuit: CompiledCircuit, inputs: Mapping[str, InputValue], workdir: Path, check: bool = True) -> Run:
    """Compute the witness and check every constraint; raise ProverError if either fails.

    `check=False` skips the separate `snarkjs wtns check` (~6 s on the test profile); circom's witness
    calculator still asserts every `===` constraint while it computes.
    """
    out = workdir / f"{circuit.name}.wtns"
    witness = calculate_witness(circuit, inputs, out)
    if check and not check_constraints(circuit, out):
        raise ProverError(f"witness of {circuit.name} does not satisfy the constraints")
    return Run(witness.public_signals, out)


def fails(circuit: CompiledCircuit, inputs: Mapping[str, InputValue], workdir: Path) -> bool:
    """True iff witness generation fails or the witness breaks a constraint."""
    out = workdir / f"{circuit.name}-bad.wtns"
    try:
        calculate_witness(circuit, inputs, out)
    except ProverError:
        return True
    return not check_constraints(circuit, out)
