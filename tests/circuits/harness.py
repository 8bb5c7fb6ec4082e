"""Compile test mains and run witnesses for the circuit tests.

`compile_main` compiles a circom main with circom2 (`--O2 --r1cs --wasm --sym -l node_modules`, as
orchestrator.prover.compile does) into build/circuit-tests/<name>-<hash>/, where the hash covers only
the files the main actually includes (followed transitively), the tool versions and the flags: editing
one template recompiles only the mains that use it. Each entry has the manifest that
orchestrator.prover.compile.load_compiled reads, plus the compile's wall time and peak memory (measured
with /usr/bin/time -v when it exists), which docs/circuits.md reports.

`run` computes a witness (circom's generate_witness.js) and checks every constraint with
`snarkjs wtns check`; `fails` says whether inputs are rejected by either step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import ProverError
from orchestrator.paths import build_dir, node_binary, repo_root
from orchestrator.prover.compile import (
    CIRCOM_FLAGS,
    MANIFEST,
    CompiledCircuit,
    InputValue,
    calculate_witness,
    file_sha256,
    load_compiled,
    read_r1cs_header,
)
from orchestrator.prover.tools import circom2_script, circom2_version, circomlib_version, snarkjs_script

ROOT = repo_root()
MAINS = Path(__file__).resolve().parent / "mains"
CACHE = build_dir() / "circuit-tests"
_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"\s*;', re.MULTILINE)
_SCHEME = "circuit-tests-v1"


def _resolve_include(name: str, including: Path) -> Path:
    for base in (including.parent, ROOT / "node_modules"):
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{including}: cannot resolve include {name!r}")


def include_closure(main: Path) -> list[Path]:
    """`main` and every file it includes, transitively, sorted."""
    seen: set[Path] = set()
    todo = [main.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_resolve_include(name, path) for name in _INCLUDE.findall(path.read_text()))
    return sorted(seen)


def source_hash(main: Path) -> str:
    digest = hashlib.sha256()

    def feed(part: str | bytes) -> None:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    for part in (_SCHEME, circom2_version(ROOT), circomlib_version(ROOT), " ".join(CIRCOM_FLAGS)):
        feed(part)
    for path in include_closure(main):
        label = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()
        feed(label)
        feed(path.read_bytes())
    return digest.hexdigest()


def _peak_kib(stderr: str) -> int | None:
    found = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", stderr)
    return int(found.group(1)) if found else None


def compile_main(main: Path | str, timeout: float = 3600) -> CompiledCircuit:
    """Compile a main (a path, or a name under tests/circuits/mains/), or reuse the cached build."""
    path = Path(main)
    if not path.is_absolute() and not path.is_file():
        path = MAINS / (str(main) if str(main).endswith(".circom") else f"{main}.circom")
    path = path.resolve()
    name = path.stem
    digest = source_hash(path)
    target = CACHE / f"{name}-{digest[:16]}"
    if (target / MANIFEST).is_file():
        return load_compiled(target)
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = CACHE / f".tmp-{name}-{digest[:16]}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        command = [node_binary(), str(circom2_script(ROOT)), str(path), *CIRCOM_FLAGS]
        command += ["-l", "node_modules", "-o", str(staging)]
        timer = Path("/usr/bin/time")
        if timer.is_file():
            command = [str(timer), "-v", *command]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise ProverError(f"circom2 failed on {path.name}:\n{done.stdout}\n{done.stderr}")
        r1cs = staging / f"{name}.r1cs"
        header = read_r1cs_header(r1cs)
        manifest = {
            "name": name,
            "source": str(path),
            "source_hash": digest,
            "r1cs_sha256": file_sha256(r1cs),
            "constraints": header.n_constraints,
            "wires": header.n_wires,
            "compile_seconds": round(seconds, 2),
            "peak_rss_kib": _peak_kib(done.stderr),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if target.is_dir():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return load_compiled(target, cache_hit=False)


def manifest(circuit: CompiledCircuit) -> dict[str, object]:
    data: dict[str, object] = json.loads((circuit.directory / MANIFEST).read_text())
    return data


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


def run(
    circuit: CompiledCircuit, inputs: Mapping[str, InputValue], workdir: Path, check: bool = True
) -> Run:
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
