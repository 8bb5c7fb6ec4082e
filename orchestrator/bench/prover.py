"""Prover benchmark: compile, setup, witness, prove and verify times and peak memory per circuit profile.

Run: `python -m orchestrator.bench.prover --profile test [--profile dev ...]`. Each profile gets a full
block built by the model (N_OP deposits, then N_TX transfers). Each stage runs in a child process so its
peak memory is its own. Figures go to docs/benchmarks/prover.md (and are printed); `--json` also prints
them as one document (docs/json.md, `rollup.bench-prover/1`).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.paths import repo_root

STAGES = ("compile", "setup", "prove")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )


def run_stage(profile: str, stage: str) -> dict[str, Any]:
    """One stage in this process (called in a child); returns its figures."""
    from orchestrator.crypto.eddsa import PrivateKey
    from orchestrator.l2.account import pkh_of
    from orchestrator.l2.block import build_block
    from orchestrator.l2.chainhash import domain
    from orchestrator.l2.params import PROFILES
    from orchestrator.l2.state import L2State
    from orchestrator.l2.tx import Deposit, Transfer
    from orchestrator.prover.compile import compile_circuit, find_compiled
    from orchestrator.prover.groth16 import Groth16PyBackend

    main = f"circuits/main/{profile}.circom"
    figures: dict[str, Any] = {}
    if stage == "compile":
        cached = find_compiled(main)
        compiled = cached or compile_circuit(main)
        figures.update(
            constraints=compiled.constraints, seconds=compiled.compile_seconds, cached=cached is not None
        )
        return figures
    compiled = compile_circuit(main)
    backend = Groth16PyBackend()
    if stage == "setup":
        started = time.perf_counter()
        keys = backend.cached_keys(compiled)
        made = keys is None
        keys = keys or backend.setup(compiled)
        figures.update(
            seconds=time.perf_counter() - started,
            cached=not made,
            proving_key_mb=keys.proving_key.stat().st_size / 1e6,
        )
        return figures
    keys = backend.setup(compiled)
    p = PROFILES[profile]
    dom = domain(900001, "0x" + "11" * 20)
    users = [PrivateKey(bytes([i + 1]) * 32) for i in range(p.n_op)]
    state = L2State(p)
    build_block(
        state,
        number=1,
        timestamp=1_700_000_000,
        domain=dom,
        ops=[Deposit(1, i, 0, 10**18, 0x1000 + i, pkh_of(u.public_key)) for i, u in enumerate(users)],
    )
    transfers = [
        Transfer(i % p.n_op, (i + 1) % p.n_op, 1000, i // p.n_op).sign(users[i % p.n_op], dom)
        for i in range(p.n_tx)
    ]
    block = build_block(state, number=2, timestamp=1_700_000_012, domain=dom, transfers=transfers)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        witness = backend.witness(compiled, block.circuit_input(), Path(tmp) / "w.wtns")
        t1 = time.perf_counter()
        backend.prove(keys, witness)  # the first call also loads the proving key from disk
        t2 = time.perf_counter()
        proof = backend.prove(keys, witness)
        t3 = time.perf_counter()
        assert backend.verify(keys.verifying_key, proof, witness.public_signals)
        t4 = time.perf_counter()
    figures.update(
        witness_s=t1 - t0,
        load_and_prove_s=t2 - t1,
        prove_s=t3 - t2,
        verify_ms=(t4 - t3) * 1e3,
        txs=p.n_op + p.n_tx,
    )
    return figures


def _child(profile: str, stage: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "orchestrator.bench.prover", "--child", profile, stage],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )
    if out.returncode != 0:
        raise SystemExit(f"{profile} {stage} failed: {out.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


Stages = dict[str, dict[str, Any]]  # one profile's figures: stage name -> what its child measured


def row(profile: str, stages: Stages) -> str:
    """One profile's line of the report's table."""
    c, s, p = (stages[stage] for stage in STAGES)
    return (
        f"| {profile} | {c['constraints']:,} | {c['seconds']:.0f} s{' (cached)' if c['cached'] else ''} "
        f"/ {c['peak_mib']} MiB | {s['seconds']:.0f} s{' (cached)' if s['cached'] else ''} / "
        f"{s['peak_mib']} MiB / {s['proving_key_mb']:.0f} MB | {p['witness_s']:.1f} s | "
        f"{p['load_and_prove_s'] - p['prove_s']:.1f} s | {p['prove_s']:.1f} s / {p['peak_mib']} MiB | "
        f"{p['verify_ms']:.0f} ms | {p['txs'] / p['prove_s']:.2f} |"
    )


def document(measured: dict[str, Stages]) -> dict[str, Any]:
    """The figures of the report's table as data (docs/json.md, `rollup.bench-prover/1`)."""
    profiles = []
    for profile, stages in measured.items():
        c, s, p = (stages[stage] for stage in STAGES)
        profiles.append(
            {
                "profile": profile,
                "constraints": c["constraints"],
                "compile": {"seconds": c["seconds"], "cached": c["cached"], "peak_mib": c["peak_mib"]},
                "setup": {
                    "seconds": s["seconds"],
                    "cached": s["cached"],
                    "peak_mib": s["peak_mib"],
                    "proving_key_mb": s["proving_key_mb"],
                },
                "witness_s": p["witness_s"],
                "key_load_s": p["load_and_prove_s"] - p["prove_s"],
                "prove_s": p["prove_s"],
                "prove_peak_mib": p["peak_mib"],
                "verify_ms": p["verify_ms"],
                "slots": p["txs"],
                "slots_per_prove_s": p["txs"] / p["prove_s"],
            }
        )
    return {"profiles": profiles}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", action="append", choices=("test", "dev", "bench"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, default=repo_root() / "docs" / "benchmarks" / "prover.md")
    add_json_flag(parser)
    args = parser.parse_args(argv)
    if args.child:
        figures = run_stage(*args.child)
        figures["peak_mib"] = round(_peak_mib())
        print(json.dumps(figures))
        return 0
    with json_output("prover", args.json) as doc:
        measured = _run(args.profile or ["test"], args.report)
        doc.update(document(measured))
    return 0


def _run(profiles: list[str], report: Path) -> dict[str, Stages]:
    """Measure each profile and write the report; the figures."""
    measured: dict[str, Stages] = {}
    rows = []
    for profile in profiles:
        print(f"[bench] {profile} ...", flush=True)
        measured[profile] = {stage: _child(profile, stage) for stage in STAGES}
        rows.append(row(profile, measured[profile]))
        print(rows[-1], flush=True)
    header = (
        "| profile | constraints | compile / peak | setup / peak / proving key | witness | key load | "
        "prove / peak | verify | slots per prove-second |\n|---|---|---|---|---|---|---|---|---|"
    )
    text = (
        "# Prover benchmark\n\nWritten by `python -m orchestrator.bench.prover --profile ...` on the project "
        "machine (2 cores). Compile: circom2 --O2 (the figure recorded when the build was made, with the "
        "peak of this run's child, which only reads the cache when cached). Setup: groth16py single-party "
        "(UNSAFE for value). Prove: groth16py, one thread, a full block (N_OP deposits block, then N_TX "
        "transfers); key load is the first prove's extra time.\n\n" + header + "\n" + "\n".join(rows) + "\n"
    )
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text)
    print(f"[bench] wrote {report}")
    return measured


if __name__ == "__main__":
    sys.exit(main())
