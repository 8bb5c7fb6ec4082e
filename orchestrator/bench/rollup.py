"""Latency benchmark of the running rollup: both daemons as processes on live anvil chains, real proofs.

Run: `python -m orchestrator.bench.rollup [--chains 3] [--burst 16]`. Writes docs/benchmarks/rollup.md
and rollup-stages.svg (stage latency per chain).
- intake: signed transfers accepted per second, in-process (`Mempool.add`: signature check and pending
  state update, what the target counts; one sender, and many senders once each) and over JSON-RPC from
  one client (a burst of `--burst`);
- block build and off-chain prove times (the sequencer's store);
- each stage's latency per chain: from a block's build to the first time the sequencer saw that chain's
  counter pass it (stage_marks);
- the demo story's deposit-to-spendable and withdraw-to-paid times, then the latency from sending a
  withdrawal to its payout, over a few spaced ones.
Test profile, automine anvil chains (each transaction mined at once), `[sequencer] block_timeout_ms` 2 s.
`--json` also prints the figures as one document (docs/json.md, `rollup.bench-rollup/1`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.bench import charts
from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.crypto.accel import ACCELERATOR
from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.errors import RollupError
from orchestrator.l2.account import pkh_of
from orchestrator.l2.params import get_profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, Transfer
from orchestrator.paths import repo_root
from orchestrator.sequencer.mempool import Mempool
from orchestrator.store.sequencer import SequencerStore
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import running_rollup
from orchestrator.testing.story import Story
from orchestrator.testing.users import USERS
from orchestrator.wallet.actions import own_account, sign_withdraw

BATCH = 50  # transfers in the JSON-RPC batch (the server's Limits.max_batch)
WITHDRAWALS, WITHDRAWAL_GAP_S = 6, 3.0  # the paid-latency sample: one withdrawal every 3 s
PROVER_WORKERS = 2  # the local prover cluster, as devnet/devnet.toml ships it
STAGES = ("committed", "proven", "synchronized", "executed", "paid")


def intake_in_process(n: int = 400, senders: int = 1) -> float:
    """Transfers per second through `Mempool.add` on a test-profile state, from `senders` funded
    accounts in turn (one sender: its key's window table is cached after the second check; `n` senders:
    every check is a key's first, the cold path)."""
    state = L2State(get_profile("test"), tokens=None)
    first = 1000 * senders  # each run its own keys: a table cached by one run must not help another
    keys = [PrivateKey(i.to_bytes(32, "big")) for i in range(first, first + senders)]
    sink = USERS["bob"]
    state.apply_deposit(Deposit(1, 0, 0, 1, sink.address_int, sink.pkh))
    for i, key in enumerate(keys, start=1):
        state.apply_deposit(Deposit(1, i, 0, 10**20, i, pkh_of(key.public_key)))
    domain = 12345
    txs = [Transfer(1 + i % senders, 0, 1000, i // senders).sign(keys[i % senders], domain) for i in range(n)]
    pool = Mempool(state, domain)
    started = time.perf_counter()
    for tx in txs:
        pool.add(tx)
    return n / (time.perf_counter() - started)


def withdrawal_latencies(story: Story, count: int, gap: float) -> list[float]:
    """Seconds from sending each of `count` small ETH withdrawals (alice's, one every `gap` s, to the chain
    she deposited on) to its payout on that chain, each waited for in its own thread."""
    client, alice, chain = story.rollup.client, story.wallets["alice"], story.second

    def paid_after(tx_hash: str, sent: float) -> float:
        client.wait_transaction(tx_hash, "paid", timeout=600)
        return time.monotonic() - sent

    with ThreadPoolExecutor(count) as pool:
        waits = []
        for _ in range(count):
            tx = sign_withdraw(client, alice, story.eth, chain, 10**14)
            sent = time.monotonic()
            waits.append(pool.submit(paid_after, client.send(tx), sent))
            time.sleep(gap)
        return [w.result() for w in waits]


def _stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _summary(values: list[float]) -> str:
    if (s := _stats(values)) is None:
        return "-"
    return f"{s['median']:.1f} (min {s['min']:.1f}, max {s['max']:.1f}, n={s['n']})"


@dataclass(frozen=True)
class Figures:
    """What one run measured; seconds unless named otherwise."""

    chains: list[str]
    burst: int
    intake_one_sender: float  # tx/s, in process
    intake_many_senders: float
    rpc_back_to_back: float  # tx/s over JSON-RPC, `burst` requests
    rpc_batch: float  # tx/s over JSON-RPC, one batch of BATCH
    blocks_built: int
    build_ms: list[float]
    proofs: list[float]
    paid: list[float]  # each sampled withdrawal, sent -> paid
    latency: dict[tuple[str, str], list[float]]  # (chain, stage) -> block built -> stage seen
    story: dict[str, float]  # the demo story's timings
    failures: list[str]  # the story's balance checks that failed

    def medians(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                s: statistics.median(self.latency[(name, s)]) for s in STAGES if self.latency.get((name, s))
            }
            for name in self.chains
        }


def measure(chains: int, burst: int) -> Figures:
    warm, cold = intake_in_process(), intake_in_process(200, senders=200)  # the test tree holds 256
    with tempfile.TemporaryDirectory(prefix="rollup-bench-") as tmp:
        config_path = write_settlement_devnet(
            Path(tmp), chains, 940000, prover_workers=PROVER_WORKERS, prover_preload=True
        )
        with running_rollup(config_path, Path(tmp) / "home") as rollup:
            story = Story(rollup)
            story.run(timeout=600)
            failures = story.check()
            # on an idle rollup (the story is paid out): the sample's blocks settle by themselves
            paid = withdrawal_latencies(story, WITHDRAWALS, WITHDRAWAL_GAP_S)
            client, w = rollup.client, story.wallets
            alice, bob = w["alice"], w["bob"]
            bob_index = own_account(client, bob, story.eth)["index"]
            signed = []
            nonce = own_account(client, alice, story.eth)["pending_nonce"]
            alice_index = own_account(client, alice, story.eth)["index"]
            domain = client.domain()
            for i in range(burst):
                signed.append(Transfer(alice_index, bob_index, 1000, nonce + i).sign(alice.l2_key, domain))
            started = time.perf_counter()
            hashes = [client.send(tx) for tx in signed]
            rpc_rate = burst / (time.perf_counter() - started)
            for h in hashes:
                client.wait_transaction(h, "executed", timeout=900)
            store = SequencerStore(rollup.home / "sequencer.db")
            blocks = {b.number: b for b in store.blocks()}
            marks = store.stage_marks()
            proofs = store.prove_seconds()
            store.close()
            names = {c.rollup_chain_id: c.name for c in rollup.config.chains}
            # Then one JSON-RPC batch (the server's maximum): stored with one disk sync, then answered.
            nonce += burst
            batch = [
                Transfer(alice_index, bob_index, 1000, nonce + i).sign(alice.l2_key, domain)
                for i in range(BATCH)
            ]
            started = time.perf_counter()
            answers = client.send_many(batch)
            batch_rate = BATCH / (time.perf_counter() - started)
            refused = [a for a in answers if isinstance(a, RollupError)]
            if refused:
                raise RuntimeError(f"{len(refused)} transfers of the batch were refused: {refused[0]}")
    latency: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (number, chain, stage), at in marks.items():
        if number in blocks:
            latency[(names[chain], stage)].append(at - blocks[number].built_at)
    return Figures(
        chains=[c.name for c in rollup.config.chains],
        burst=burst,
        intake_one_sender=warm,
        intake_many_senders=cold,
        rpc_back_to_back=rpc_rate,
        rpc_batch=batch_rate,
        blocks_built=len(blocks),
        build_ms=[b.build_seconds * 1e3 for b in blocks.values() if b.build_seconds],
        proofs=list(proofs.values()),
        paid=paid,
        latency=dict(latency),
        story=dict(story.timings),
        failures=failures,
    )


def report(f: Figures) -> str:
    chains, burst = len(f.chains), f.burst
    lines = [
        "# Running-rollup benchmark",
        "",
        f"`python -m orchestrator.bench.rollup --chains {chains} --burst {burst}`: {chains} anvil chains "
        "(automine), test profile (2 on-chain + 2 L2 slots per block), sequencer and relayer as processes, "
        "real Groth16 proofs. Seconds unless noted.",
        "",
        "- intake in process (signature check + pending-state update, one core), target 1,000 tx/s:",
        f"  **{f.intake_one_sender:,.0f} tx/s** from one sender (its key's window table cached), "
        f"**{f.intake_many_senders:,.0f} tx/s** from 200 senders once each "
        f"(integer arithmetic: {ACCELERATOR})",
        f"- intake over JSON-RPC, one client, {burst} transfers back to back: "
        f"**{f.rpc_back_to_back:,.0f} tx/s** (one request and one disk sync each)",
        f"- intake over JSON-RPC, one client, one batch of {BATCH} transfers: **{f.rpc_batch:,.0f} tx/s** "
        "(target 500; one disk sync for the batch)",
        "",
        "## Blocks",
        "",
        f"- blocks built: {f.blocks_built}",
        "- block build in the sequencer (state transition, new root, every slot's Merkle proofs, mempool "
        f"rebase), ms: {_summary(f.build_ms)}",
        f"- off-chain proof per block (on a worker of the local Dask cluster, {PROVER_WORKERS} workers, key "
        f"kept loaded): {_summary(f.proofs)}",
        "",
        f"## Withdrawal to payout ({WITHDRAWALS} small ETH withdrawals, one every {WITHDRAWAL_GAP_S:g} s)",
        "",
        f"- sent -> paid on the target chain, median (min, max, n): **{_summary(f.paid)}** (target <= 30)",
        "",
        "## Stage latency per chain (block built -> stage seen), median (min, max, n)",
        "",
        "| chain | " + " | ".join(STAGES) + " |",
        "|---|" + "---|" * len(STAGES),
    ]
    for name in f.chains:
        lines.append(
            f"| {name} | " + " | ".join(_summary(f.latency.get((name, s), [])) for s in STAGES) + " |"
        )
    lines += [
        "",
        "![median seconds from a block's build to each stage, per chain](rollup-stages.svg)",
        "",
        "## End to end (the demo story)",
        "",
        f"- deposits (5, on three chains) until all spendable on L2: "
        f"{f.story['deposits spendable']:.1f} (target <= 60 each)",
        f"- withdrawals and transfers (4) until all paid / executed everywhere: "
        f"{f.story['withdrawals paid']:.1f} (target <= 60)",
        f"- story checks: {'all balances as expected' if not f.failures else '; '.join(f.failures)}",
        "",
    ]
    return "\n".join(lines)


def document(f: Figures) -> dict[str, Any]:
    """The figures of `report` as data (docs/json.md, `rollup.bench-rollup/1`)."""
    return {
        "chains": f.chains,
        "intake_tx_s": {
            "in_process_one_sender": f.intake_one_sender,
            "in_process_many_senders": f.intake_many_senders,
            "rpc_back_to_back": f.rpc_back_to_back,
            "rpc_batch": f.rpc_batch,
        },
        "burst": f.burst,
        "batch": BATCH,
        "blocks_built": f.blocks_built,
        "block_build_ms": _stats(f.build_ms),
        "proof_s": _stats(f.proofs),
        "withdrawal_paid_s": _stats(f.paid),
        "stage_latency_s": [
            {"chain": name, **{s: _stats(f.latency.get((name, s), [])) for s in STAGES}} for name in f.chains
        ],
        "story_s": {
            "deposits_spendable": f.story["deposits spendable"],
            "withdrawals_paid": f.story["withdrawals paid"],
        },
        "story_failures": f.failures,
    }


def previous_intake(report: Path) -> list[str]:
    """The intake lines of the report this run replaces, to keep beside the new ones."""
    if not report.exists():
        return []
    text = report.read_text().split("\n## ")[0]  # the intake bullets come before the first section
    return [line for line in text.splitlines() if line.startswith(("- intake", "  "))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chains", type=int, default=3)
    parser.add_argument("--burst", type=int, default=16)
    add_json_flag(parser)
    args = parser.parse_args(argv)
    out = repo_root() / "docs" / "benchmarks" / "rollup.md"
    with json_output("rollup", args.json) as doc:
        previous = previous_intake(out)
        figures = measure(args.chains, args.burst)
        text = report(figures)
        if previous:
            text += "\n## The previous run's intake figures\n\n" + "\n".join(previous) + "\n"
        out.write_text(text)
        chart = charts.stage_latency_chart(figures.medians(), STAGES)
        out.with_name("rollup-stages.svg").write_text(chart)
        print(text)
        print(f"written to {out}", file=sys.stderr)
        doc.update(document(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
