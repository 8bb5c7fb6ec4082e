"""Proving throughput on the Dask cluster, from 1 worker up: `python -m orchestrator.bench.cluster
--profile bench [--workers 1 --workers 2] [--blocks 4]`.

The model builds `--blocks` full blocks of the profile (every on-chain slot a deposit, every L2 slot a
signed transfer). For each worker count a local cluster starts, every worker loads the proving key (timed
apart: it happens once per worker, when it joins), then all blocks are submitted at once and the time to
the last checked proof gives the throughput. Figures go to docs/benchmarks/cluster.md, with the previous
run's beside them, and the chart to cluster-scaling.svg; `--json` also prints them as one document
(docs/json.md, `rollup.bench-cluster/1`).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.l2.account import pkh_of
from orchestrator.l2.block import Block, build_block
from orchestrator.l2.chainhash import domain
from orchestrator.l2.params import get_profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, Transfer
from orchestrator.paths import repo_root
from orchestrator.prover.cluster import ProverCluster

TARGET_TX_S = 1.0  # bench profile, this 2-core machine (issue 16, goal 3)
REPORT = repo_root() / "docs" / "benchmarks" / "cluster.md"
BEFORE_THE_CLUSTER = (
    "Before the cluster, the sequencer proved one block at a time in one child process: 0.59 slots per "
    "prove-second on the bench profile (docs/benchmarks/prover.md, 34.0 s a proof)."
)


def full_blocks(profile: str, count: int) -> list[Block]:
    """`count` consecutive blocks with every slot used: fresh accounts deposited in the on-chain slots,
    transfers between the accounts funded so far in the L2 slots."""
    shape = get_profile(profile)
    dom = domain(900001, "0x" + "11" * 20)
    state = L2State(shape)
    keys: list[PrivateKey] = []
    nonces: list[int] = []
    blocks = []
    for number in range(1, count + 1):
        ops = []
        for _ in range(shape.n_op):
            key = PrivateKey((len(keys) + 1).to_bytes(32, "big"))
            ops.append(Deposit(1, len(keys), 0, 10**18, 0x1000 + len(keys), pkh_of(key.public_key)))
            keys.append(key)
            nonces.append(0)
        transfers = []
        for i in range(shape.n_tx):
            # senders funded in an earlier block (block 1's transfers use block 1's own deposits)
            funded = len(keys) - (shape.n_op if number > 1 else 0)
            sender = i % funded
            transfers.append(
                Transfer(sender, (sender + 1) % len(keys), 1000, nonces[sender]).sign(keys[sender], dom)
            )
            nonces[sender] += 1
        blocks.append(
            build_block(
                state,
                number=number,
                timestamp=1_700_000_000 + 12 * number,
                domain=dom,
                ops=ops,
                transfers=transfers,
            )
        )
    return blocks


def measure(profile: str, workers: int, blocks: list[Block]) -> dict[str, float]:
    """One worker count: key load (every worker, in parallel), then every block proven at once."""
    started = time.perf_counter()
    cluster = ProverCluster(profile, workers=workers)
    try:
        up = time.perf_counter() - started
        cluster.warm()
        loaded = time.perf_counter() - started - up
        started = time.perf_counter()
        futures = [(block, cluster.submit(block)) for block in blocks]
        proofs = [cluster.result(block, future) for block, future in futures]
        wall = time.perf_counter() - started
    finally:
        cluster.close()
    slots = sum(b.profile.n_op + b.profile.n_tx for b in blocks)  # every slot used (full_blocks)
    return {
        "workers": workers,
        "start_s": up,
        "key_load_s": loaded,
        "wall_s": wall,
        "proof_s": median(p.seconds for p in proofs),
        "tx_s": slots / wall,
    }


def report(profile: str, rows: list[dict[str, float]], blocks: int, previous: str) -> str:
    base = rows[0]["tx_s"]
    lines = [
        "# Proving on a cluster",
        "",
        f"`python -m orchestrator.bench.cluster --profile {profile} --blocks {blocks}`: a local Dask "
        "distributed cluster (one process per worker, one thread each) on the project machine (2 cores). "
        f"{blocks} full {profile} blocks (every slot used) are submitted at once; each proof is checked "
        "by the sequencer's side before it counts. Key load is once per worker, when it joins, not per "
        f"proof. Target: at least {TARGET_TX_S:g} tx/s on the bench profile.",
        "",
        "| workers | cluster start | key load (all workers) | median proof on a worker | all blocks | "
        "throughput | speed-up |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['workers']:.0f} | {r['start_s']:.1f} s | {r['key_load_s']:.1f} s | {r['proof_s']:.1f} s "
            f"| {r['wall_s']:.1f} s | **{r['tx_s']:.2f} tx/s** | {r['tx_s'] / base:.2f}x |"
        )
    lines += ["", "![proven tx/s against workers](cluster-scaling.svg)", ""]
    lines += ["## The previous run", ""]
    lines.append(previous or BEFORE_THE_CLUSTER)
    return "\n".join(lines) + "\n"


def document(profile: str, rows: list[dict[str, float]], blocks: int) -> dict[str, Any]:
    """The figures of `report` as data (docs/json.md, `rollup.bench-cluster/1`)."""
    base = rows[0]["tx_s"]
    return {
        "profile": profile,
        "blocks": blocks,
        "target_tx_s": TARGET_TX_S,
        "rows": [{**r, "workers": int(r["workers"]), "speedup": r["tx_s"] / base} for r in rows],
    }


def _previous_table(path: Path) -> str:
    """The table of the report being replaced (its figures, not its prose), to print beside the new one."""
    if not path.is_file():
        return ""
    found = re.search(r"(?ms)^\| workers .*?(?=^\s*$)", path.read_text())
    return found.group(0).strip() if found else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="bench", choices=("test", "dev", "bench"))
    parser.add_argument("--workers", type=int, action="append", help="worker counts (default: 1 and 2)")
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--report", type=Path, default=REPORT)
    add_json_flag(parser)
    args = parser.parse_args(argv)
    counts = args.workers or [1, 2]
    if args.blocks < 1 or any(w < 1 for w in counts):
        parser.error("--blocks and --workers must be at least 1")
    with json_output("cluster", args.json) as figures:
        rows = _run(args.profile, counts, args.blocks, args.report)
        figures.update(document(args.profile, rows, args.blocks))
    return 0


def _run(profile: str, counts: list[int], count: int, path: Path) -> list[dict[str, float]]:
    """Measure each worker count, write the report and the chart; the rows."""
    print(f"[bench] building {count} full {profile} blocks", flush=True)
    blocks = full_blocks(profile, count)
    rows = []
    for workers in counts:
        print(f"[bench] {workers} worker(s) ...", flush=True)
        rows.append(measure(profile, workers, blocks))
        print(f"[bench] {rows[-1]}", flush=True)
    previous = _previous_table(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report(profile, rows, count, previous))
    from orchestrator.bench.charts import scaling_chart

    chart = scaling_chart([int(r["workers"]) for r in rows], [r["tx_s"] for r in rows], TARGET_TX_S)
    path.with_name("cluster-scaling.svg").write_text(chart)
    print(f"[bench] wrote {path}")
    return rows


if __name__ == "__main__":
    sys.exit(main())
