"""Speed of the L2 model: `python -m orchestrator.bench.model [--depth 24] [--accounts N] [--transfers N]`.

Measures, on one core:
- tree updates per second (one leaf set, then the root read: 1 path of D/2 Poseidon_4 each);
- transfer intake per second: validation with signature verification, then the account update (the
  sequencer's intake; Merkle hashing deferred), and the same with the root recomputed after each;
- the same with signatures verified in a pool of worker processes (`--workers`, default: all cores);
- a whole block of the profile with that depth, if there is one.
`--json` also prints the figures as one document (docs/json.md, `rollup.bench-model/1`).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.l2.account import pkh_of
from orchestrator.l2.block import build_block
from orchestrator.l2.params import PROFILES, Profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import QuadTree
from orchestrator.l2.tx import Deposit, Transfer

DOMAIN = 12345


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({seconds / count * 1e3:.2f} ms each)"


def bench_tree(depth: int, updates: int) -> dict[str, Any]:
    tree = QuadTree(depth)
    rng = random.Random(1)
    start = time.perf_counter()
    for i in range(updates):
        tree.set_leaf(rng.randrange(1 << depth), i + 1)
        _ = tree.root
    each = time.perf_counter() - start
    print(f"tree D={depth}: update + root: {_rate(updates, each)}")
    start = time.perf_counter()
    for i in range(updates):
        tree.set_leaf(rng.randrange(1 << depth), i + 1)
    _ = tree.root
    together = time.perf_counter() - start
    print(f"tree D={depth}: {updates} updates hashed together: {_rate(updates, together)}")
    return {
        "updates": updates,
        "update_and_root_per_s": updates / each,
        "hashed_together_per_s": updates / together,
    }


def _funded_state(profile: Profile, accounts: int) -> tuple[L2State, list[PrivateKey]]:
    state = L2State(profile)
    keys = [PrivateKey(i.to_bytes(32, "big")) for i in range(1, accounts + 1)]
    for i, key in enumerate(keys):
        state.apply_deposit(Deposit(1, i, 0, 10**30, i + 1, pkh_of(key.public_key)))
    _ = state.root
    return state, keys


def _signed_transfers(keys: list[PrivateKey], count: int) -> list[Transfer]:
    nonces = [0] * len(keys)
    out = []
    for i in range(count):
        sender = i % len(keys)
        receiver = (sender + 1) % len(keys)
        out.append(Transfer(sender, receiver, 10**12, nonces[sender]).sign(keys[sender], DOMAIN))
        nonces[sender] += 1
    return out


def bench_intake(profile: Profile, accounts: int, count: int) -> dict[str, Any]:
    state, keys = _funded_state(profile, accounts)
    txs = _signed_transfers(keys, count)
    work = state.fork()
    start = time.perf_counter()
    for tx in txs:
        work.apply_transfer(tx, DOMAIN)
    intake = time.perf_counter() - start
    start = time.perf_counter()
    _ = work.root
    hashing = time.perf_counter() - start
    print(f"intake D={profile.depth}: verify + apply, hashing deferred: {_rate(count, intake)}")
    print(
        f"  then one root over the {count} transfers: {hashing:.2f} s; total {_rate(count, intake + hashing)}"
    )
    work = state.fork()
    start = time.perf_counter()
    for tx in txs:
        work.apply_transfer(tx, DOMAIN)
        _ = work.root
    each = time.perf_counter() - start
    print(f"intake D={profile.depth}: verify + apply + root after each: {_rate(count, each)}")
    return {
        "transfers": count,
        "hashing_deferred_per_s": count / intake,
        "one_root_s": hashing,
        "with_one_root_per_s": count / (intake + hashing),
        "root_after_each_per_s": count / each,
    }


def _verify_chunk(txs: list[Transfer]) -> list[bool]:
    return [tx.verify_signature(DOMAIN) for tx in txs]


def bench_parallel_intake(profile: Profile, accounts: int, count: int, workers: int) -> dict[str, Any]:
    """Signatures checked in `workers` processes, state updates in this one (what a sequencer can do)."""
    state, keys = _funded_state(profile, accounts)
    txs = _signed_transfers(keys, count)
    chunk = 25
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_verify_chunk, [txs[:workers]] * workers))  # start the workers and warm their caches
        work = state.fork()
        start = time.perf_counter()
        chunks = [txs[i : i + chunk] for i in range(0, count, chunk)]
        for part, verdicts in zip(chunks, pool.map(_verify_chunk, chunks), strict=True):
            for tx, ok in zip(part, verdicts, strict=True):
                if ok:
                    work.apply_transfer(tx, DOMAIN, signature_verified=True)
        _ = work.root
        elapsed = time.perf_counter() - start
        print(f"intake D={profile.depth}, {workers} verifier processes: {_rate(count, elapsed)}")
    return {"workers": workers, "transfers": count, "per_s": count / elapsed}


def bench_block(profile: Profile) -> dict[str, Any]:
    state, keys = _funded_state(profile, max(2, profile.n_tx))
    txs = _signed_transfers(keys, profile.n_tx)
    start = time.perf_counter()
    block = build_block(state, number=1, timestamp=1, domain=DOMAIN, transfers=txs, commit=False)
    built = time.perf_counter() - start
    start = time.perf_counter()
    block.circuit_input()
    circuit_input = time.perf_counter() - start
    what = f"block {profile.name} ({profile.n_tx} transfers)"
    print(f"{what}: build {built:.2f} s, circuit input {circuit_input:.3f} s")
    return {
        "profile": profile.name,
        "transfers": profile.n_tx,
        "build_s": built,
        "circuit_input_s": circuit_input,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator.bench.model")
    parser.add_argument("--depth", type=int, default=24)
    parser.add_argument("--accounts", type=int, default=64)
    parser.add_argument("--transfers", type=int, default=300)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    add_json_flag(parser)
    args = parser.parse_args(argv)
    with json_output("model", args.json) as doc:
        doc["depth"] = args.depth
        doc["tree"] = bench_tree(args.depth, args.updates)
        profile = next((p for p in PROFILES.values() if p.depth == args.depth), None)
        shape = profile or Profile("custom", args.depth, 4, 16)
        doc["intake"] = bench_intake(shape, args.accounts, args.transfers)
        doc["parallel_intake"] = bench_parallel_intake(shape, args.accounts, args.transfers, args.workers)
        doc["block"] = None if profile is None else bench_block(profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
