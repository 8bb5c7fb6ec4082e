"""`rollup circuit build|info`: the block circuit per profile, its keys and its Solidity verifier (and the
profile's exodus exit circuit, docs/exodus.md section 4)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table

from orchestrator.cli.render import console
from orchestrator.paths import repo_root
from orchestrator.prover.profiles import main_file

PROFILES = ("test", "dev", "bench")
MODES = ("rollup", "validium")


@click.group()
def circuit() -> None:
    """Build the block circuit (compile, setup, verifier) and show its size per profile."""


@circuit.command()
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="test",
    show_default=True,
    help="Circuit size: test (CI), dev or bench (see docs/protocol.md section 1).",
)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="rollup",
    show_default=True,
    help="Data mode: Validium's circuit hashes the L2 section (docs/protocol.md section 7).",
)
@click.option(
    "--zkey",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Keys from a snarkjs Groth16 ceremony (.zkey) instead of the unsafe setup.",
)
def build(profile: str, mode: str, zkey: Path | None) -> None:
    """Compile the block circuit of a profile (cached), run its setup and write its Solidity verifier.

    Without --zkey the setup is single-party: UNSAFE for anything of value. docs/circuits.md ("Trusted
    setup") describes the ceremony whose zkey replaces it.
    """
    from orchestrator.l2.params import get_profile
    from orchestrator.prover.profiles import exit_profile_keys, profile_keys
    from orchestrator.prover.solidity_verifier import write_verifier

    started = time.monotonic()
    circuit_name = get_profile(profile, mode).circuit
    compiled, keys = profile_keys(circuit_name, console.status, zkey=zkey)
    console.print(
        f"compiled {compiled.name}: {compiled.constraints:,} constraints "
        f"({'cached' if compiled.cache_hit else f'{compiled.compile_seconds:.1f} s'})"
    )
    console.print(f"keys: {keys.directory} ({keys.origin}{', UNSAFE' if keys.unsafe else ''})")
    verifier = write_verifier(
        keys.verifying_key, _verifier_path(circuit_name), contract_name="Groth16Verifier"
    )
    console.print(f"verifier: {verifier}")
    exit_compiled, exit_keys = exit_profile_keys(profile, console.status)
    exit_verifier = write_verifier(exit_keys.verifying_key, contract_name="ExitVerifier")
    console.print(
        f"exit circuit {exit_compiled.name}: {exit_compiled.constraints:,} constraints; {exit_verifier}"
    )
    console.print(f"done in {time.monotonic() - started:.1f} s")


@circuit.command()
def info() -> None:
    """Show each profile's circuit: compiled or not, constraints, wires, key sizes (never compiles)."""
    from orchestrator.prover.compile import find_compiled
    from orchestrator.prover.groth16 import Groth16PyBackend

    table = Table(title="block circuit per profile", title_justify="left")
    for col in ("profile", "constraints", "wires", "public", "r1cs", "proving key", "keys", "compiled in"):
        table.add_column(col)
    backend = Groth16PyBackend()
    for profile in PROFILES:
        if not _repo_file(main_file(profile)).is_file():
            table.add_row(profile, "no main file", *["-"] * 6)
            continue
        compiled = find_compiled(main_file(profile))
        if compiled is None:
            table.add_row(profile, "not built", *["-"] * 5, f"`rollup circuit build --profile {profile}`")
            continue
        keys = backend.cached_keys(compiled)
        table.add_row(
            profile,
            f"{compiled.constraints:,}",
            f"{compiled.header.n_wires:,}",
            str(compiled.n_public),
            _size(compiled.r1cs),
            _size(keys.proving_key) if keys else "-",
            ("UNSAFE setup" if keys.unsafe else keys.origin) if keys else "no setup",
            f"{compiled.compile_seconds:.0f} s",
        )
    console.print(table)


def _verifier_path(circuit_name: str) -> Path | None:
    """build/verifiers/Groth16Verifier.sol for a rollup-mode circuit (as before), else one per circuit."""
    from orchestrator.paths import build_dir

    if circuit_name in PROFILES:
        return None
    return build_dir() / "verifiers" / circuit_name / "Groth16Verifier.sol"


def _repo_file(relative: Path) -> Path:
    return repo_root() / relative


def _size(path: Path) -> str:
    size = path.stat().st_size if path.is_file() else 0
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
