"""Compile circom circuits with circom2, cached by a hash of everything that affects the output.

`compile_circuit("circuits/toy/toy.circom")` runs `circom2 --O2 --r1cs --wasm --sym -l node_modules`
from the repository root and keeps the result under build/circuits/<name>-<hash>/. The hash covers the
main file and every file it includes (transitively), the circom2 and circomlib package versions and
the flags, so an unchanged circuit is never recompiled (a block circuit
takes minutes). The cache entry is complete only once its manifest exists: compiles happen in a
temporary folder renamed into place, so an interrupted compile leaves nothing that looks finished.

`calculate_witness` runs a compiled circuit's wasm on named inputs, either through circom's generated
generate_witness.js (the default: it loads less than snarkjs, so it starts about twice as fast) or
through `snarkjs wtns calculate`; both write the same .wtns file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeAlias

from orchestrator.errors import CompileError, ProverError
from orchestrator.paths import cache_dir as shared_cache
from orchestrator.paths import repo_root
from orchestrator.prover.tools import (
    circom2_script,
    circom2_version,
    circomlib_version,
    run_node,
    snarkjs_script,
)

__all__ = [
    "CIRCOM_FLAGS",
    "CompiledCircuit",
    "InputValue",
    "R1csHeader",
    "Witness",
    "WitnessMethod",
    "calculate_witness",
    "circuit_hash",
    "compile_circuit",
    "file_sha256",
    "load_compiled",
    "read_r1cs_header",
]

log = logging.getLogger(__name__)

CIRCOM_FLAGS = ("--O2", "--r1cs", "--wasm", "--sym")
MANIFEST = "circuit.json"
# Bump when the cache layout or the inputs of the hash change.
_CACHE_SCHEME = "circuit-cache-v2"
_R1CS_HEADER_SECTION = 1

InputValue: TypeAlias = "int | str | Sequence[InputValue]"
WitnessMethod = Literal["node", "snarkjs"]


@dataclass(frozen=True)
class R1csHeader:
    """The header section of an iden3 .r1cs file (binary format version 1)."""

    prime: int
    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_labels: int
    n_constraints: int

    @property
    def n_public(self) -> int:
        """Public signals as a verifier sees them: outputs first, then public inputs."""
        return self.n_pub_out + self.n_pub_in


def _read_exact(stream: BinaryIO, size: int, path: Path) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise CompileError(f"{path} is truncated: not a complete r1cs file")
    return data


def read_r1cs_header(path: Path) -> R1csHeader:
    """Read the header section of an r1cs file without loading its constraints."""
    with path.open("rb") as stream:
        magic, version, n_sections = struct.unpack("<4sII", _read_exact(stream, 12, path))
        if magic != b"r1cs" or version != 1:
            raise CompileError(f"{path} is not an r1cs v1 file (magic {magic!r}, version {version})")
        # Sections may come in any order; skip over the ones that are not the header.
        for _ in range(n_sections):
            kind, size = struct.unpack("<IQ", _read_exact(stream, 12, path))
            if kind != _R1CS_HEADER_SECTION:
                stream.seek(size, os.SEEK_CUR)
                continue
            (n8,) = struct.unpack("<I", _read_exact(stream, 4, path))
            prime = int.from_bytes(_read_exact(stream, n8, path), "little")
            wires, pub_out, pub_in, prv_in, labels, constraints = struct.unpack(
                "<IIIIQI", _read_exact(stream, 28, path)
            )
            return R1csHeader(prime, wires, pub_out, pub_in, prv_in, labels, constraints)
    raise CompileError(f"{path} has no header section")


@dataclass(frozen=True)
class CompiledCircuit:
    """A compiled circuit in the build cache."""

    name: str
    directory: Path
    source: Path
    source_hash: str
    r1cs_sha256: str
    header: R1csHeader
    compile_seconds: float
    cache_hit: bool

    @property
    def r1cs(self) -> Path:
        return self.directory / f"{self.name}.r1cs"

    @property
    def sym(self) -> Path:
        return self.directory / f"{self.name}.sym"

    @property
    def wasm(self) -> Path:
        return self.directory / f"{self.name}_js" / f"{self.name}.wasm"

    @property
    def witness_script(self) -> Path:
        """circom's generated `generate_witness.js` (runs witness_calculator.js beside it)."""
        return self.directory / f"{self.name}_js" / "generate_witness.js"

    @property
    def constraints(self) -> int:
        return self.header.n_constraints

    @property
    def n_public(self) -> int:
        return self.header.n_public


def _resolve_main(main: Path, root: Path) -> Path:
    path = main if main.is_absolute() else root / main
    if not path.is_file():
        raise CompileError(f"circuit main file not found: {main}")
    return path.resolve()


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (r1cs and zkey files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"\s*;', re.MULTILINE)


def include_closure(main: Path, root: Path) -> list[Path]:
    """`main` and every file it includes, transitively (as circom resolves them with -l node_modules)."""
    seen: set[Path] = set()
    todo = [main.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _INCLUDE.findall(path.read_text()):
            found = next(
                (
                    c
                    for c in ((base / name).resolve() for base in (path.parent, root / "node_modules"))
                    if c.is_file()
                ),
                None,
            )
            if found is None:
                raise CompileError(f"{path.name}: cannot resolve include {name!r}")
            todo.append(found)
    return sorted(seen)


def circuit_hash(main: Path, root: Path | None = None) -> str:
    """sha256 over the main and the files it includes, tool versions and flags.

    Only what the main includes counts, so editing one template rebuilds only the mains that use it.
    """
    root = root or repo_root()
    main_path = _resolve_main(main, root)
    digest = hashlib.sha256()

    def feed(label: str, data: bytes) -> None:
        # Length-prefix every part so that no two different inputs concatenate alike.
        for part in (label.encode(), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)

    feed("scheme", _CACHE_SCHEME.encode())
    feed("circom2", circom2_version(root).encode())
    feed("circomlib", circomlib_version(root).encode())
    feed("flags", " ".join(CIRCOM_FLAGS).encode())
    for path in include_closure(main_path, root):
        label = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        feed(label, path.read_bytes())
    return digest.hexdigest()


def load_compiled(directory: Path, *, cache_hit: bool = True) -> CompiledCircuit:
    """Read a finished cache entry; `CompileError` if it is incomplete."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        name = str(manifest["name"])
        compiled = CompiledCircuit(
            name=name,
            directory=directory,
            source=Path(manifest["source"]),
            source_hash=str(manifest["source_hash"]),
            r1cs_sha256=str(manifest["r1cs_sha256"]),
            header=read_r1cs_header(directory / f"{name}.r1cs"),
            compile_seconds=float(manifest["compile_seconds"]),
            cache_hit=cache_hit,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise CompileError(f"compiled circuit in {directory} is unusable: {exc}") from None
    for needed in (compiled.r1cs, compiled.wasm, compiled.witness_script):
        if not needed.is_file():
            raise CompileError(f"compiled circuit in {directory} lacks {needed.name}")
    return compiled


def find_compiled(
    main: Path | str, *, root: Path | None = None, cache_dir: Path | None = None
) -> CompiledCircuit | None:
    """The cached build of `main` for its current sources, or None: never compiles."""
    root = root or repo_root()
    main_path = _resolve_main(Path(main), root)
    target = (
        cache_dir or shared_cache() / "circuits"
    ) / f"{main_path.stem}-{circuit_hash(main_path, root)[:16]}"
    return load_compiled(target) if (target / MANIFEST).is_file() else None


def compile_circuit(
    main: Path | str,
    *,
    root: Path | None = None,
    cache_dir: Path | None = None,
    timeout: float | None = None,
) -> CompiledCircuit:
    """Compile `main` (a path relative to the repository root, or absolute), or reuse the cached build."""
    root = root or repo_root()
    main_path = _resolve_main(Path(main), root)
    name = main_path.stem
    source_hash = circuit_hash(main_path, root)
    cache_root = cache_dir or shared_cache() / "circuits"
    target = cache_root / f"{name}-{source_hash[:16]}"
    if (target / MANIFEST).is_file():
        return load_compiled(target)

    cache_root.mkdir(parents=True, exist_ok=True)
    staging = cache_root / f".tmp-{name}-{source_hash[:16]}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        started = time.perf_counter()
        run_node(
            circom2_script(root),
            [str(main_path), *CIRCOM_FLAGS, "-l", "node_modules", "-o", str(staging)],
            what=f"circom2 compile of {main_path.name}",
            error=CompileError,
            cwd=root,
            timeout=timeout,
        )
        seconds = time.perf_counter() - started
        r1cs = staging / f"{name}.r1cs"
        if not r1cs.is_file():
            raise CompileError(f"circom2 reported success but wrote no {r1cs.name}")
        header = read_r1cs_header(r1cs)
        manifest = {
            "name": name,
            "source": str(main_path),
            "source_hash": source_hash,
            "r1cs_sha256": file_sha256(r1cs),
            "circom2": circom2_version(root),
            "circomlib": circomlib_version(root),
            "flags": list(CIRCOM_FLAGS),
            "constraints": header.n_constraints,
            "wires": header.n_wires,
            "public": header.n_public,
            "compile_seconds": round(seconds, 3),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if target.is_dir() and not (target / MANIFEST).is_file():
            shutil.rmtree(target)  # an unfinished entry from a tool outside this module
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same compile first; its result is identical.
            if not (target / MANIFEST).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    compiled = load_compiled(target, cache_hit=False)
    log.info("compiled %s: %d constraints in %.1f s", name, compiled.constraints, seconds)
    return compiled


@dataclass(frozen=True)
class Witness:
    """A witness file and the public signals it carries (outputs first, then public inputs)."""

    path: Path
    public_signals: tuple[int, ...]
    n_wires: int
    seconds: float
    method: WitnessMethod


def _input_json(value: InputValue) -> Any:
    # Decimal strings: JSON numbers would lose precision in node beyond 2^53.
    if isinstance(value, bool) or not isinstance(value, (int, str, Sequence)):
        raise ProverError(f"circuit input must be an int, a decimal string or a list, not {type(value)}")
    if isinstance(value, int):
        if value < 0:
            raise ProverError(f"circuit input must be non-negative, got {value}")
        return str(value)
    if isinstance(value, str):
        return value
    return [_input_json(item) for item in value]


def read_wtns(path: Path, n_public: int) -> tuple[int, tuple[int, ...]]:
    """(number of wires, public signals) of a .wtns v2 file; signal 0 is the constant 1."""
    try:
        return _read_wtns(path, n_public)
    except (OSError, struct.error) as exc:
        raise ProverError(f"cannot read witness {path}: {exc}") from None


def _read_wtns(path: Path, n_public: int) -> tuple[int, tuple[int, ...]]:
    with path.open("rb") as stream:
        head = stream.read(12)
        if len(head) != 12 or head[:4] != b"wtns":
            raise ProverError(f"{path} is not a wtns file")
        n8 = n_wires = 0
        for _ in range(struct.unpack("<I", head[8:12])[0]):
            section = stream.read(12)
            if len(section) != 12:
                break
            kind, size = struct.unpack("<IQ", section)
            if kind == 1:
                (n8,) = struct.unpack("<I", stream.read(4))
                stream.read(n8)  # the prime; the r1cs already fixes the field
                (n_wires,) = struct.unpack("<I", stream.read(4))
            elif kind == 2 and n8:
                stream.read(n8)  # skip the constant-one wire
                words = stream.read(n8 * n_public)
                if len(words) != n8 * n_public:
                    raise ProverError(f"{path} is truncated")
                public = tuple(int.from_bytes(words[i : i + n8], "little") for i in range(0, len(words), n8))
                return n_wires, public
            else:
                stream.seek(size, 1)
    raise ProverError(f"{path} lacks a header or witness section")


def calculate_witness(
    circuit: CompiledCircuit, inputs: Mapping[str, InputValue], out: Path, method: WitnessMethod = "node"
) -> Witness:
    """Run the circuit's wasm witness calculator: circom's generate_witness.js or `snarkjs wtns calculate`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    input_file = out.with_name(out.stem + ".input.json")
    input_file.write_text(json.dumps({name: _input_json(value) for name, value in inputs.items()}))
    out.unlink(missing_ok=True)
    files = [str(circuit.wasm), str(input_file), str(out)]
    what = f"witness for {circuit.name}"
    if method == "node":
        run = run_node(circuit.witness_script, files, what=what, error=ProverError)
    elif method == "snarkjs":
        run = run_node(snarkjs_script(), ["wtns", "calculate", *files], what=what, error=ProverError)
    else:
        raise ProverError(f"unknown witness method {method!r}: use 'node' or 'snarkjs'")
    if not out.is_file():
        raise ProverError(f"{what} wrote no witness file")
    n_wires, public = read_wtns(out, circuit.n_public)
    if n_wires != circuit.header.n_wires:
        raise ProverError(f"witness has {n_wires} wires, circuit {circuit.name} has {circuit.header.n_wires}")
    return Witness(out, public, n_wires, run.seconds, method)
