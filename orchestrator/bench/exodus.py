"""Exodus benchmark (docs/exodus.md): gas of every exodus call, restore speed, and the drill's wall time.

Run: `python -m orchestrator.bench.exodus [--blocks N] [--no-drill] [--json]`. Writes
docs/benchmarks/exodus.md; `--json` also prints the figures as one document (docs/json.md,
`rollup.bench-exodus/1`).
1. Gas, on three live chains with real proofs: activation on a secondary and the messages it sets off,
   a liquidity report, exit claims on the primary (paid there, paid on a secondary), the exit payout's
   delivery, a refund, and the payouts. Whole-transaction gas (21,000 base and calldata included).
2. Restore speed: N blocks committed on the primary (test profile: 2 on-chain + 2 L2 slots, full of
   deposits and transfers), then the state rebuilt from L1 calldata alone (`restore`), and the replay
   alone on the same public data in memory. Records per second.
3. The drill (tests/integration/test_exodus_drill.py) timed end to end, through the CLI and the daemons.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.exodus.exits import exit_call, refund_call, report_liquidity_call, unexecuted_deposits
from orchestrator.exodus.restore import restore
from orchestrator.l2.exit import exit_claim
from orchestrator.l2.replay import Replay, split_public_data
from orchestrator.l2.tx import Transfer
from orchestrator.paths import repo_root
from orchestrator.prover.profiles import BlockProver, ExitProver
from orchestrator.testing.devnets import advance_time
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world

EXIT_TARGET = 400_000
RESTORE_TARGET = 1_000  # L2 transactions replayed per second (DESIGN.md section 7)
ALICE, BOB, CAROL, DAVE = (USERS[n] for n in ("alice", "bob", "carol", "dave"))


def gas_of_exodus(world: World, exit_prover: ExitProver) -> list[tuple[str, str, int]]:
    """(call, chain, gas) of every exodus call in one scenario: two settled blocks, then exodus."""
    d = world
    alpha, beta, gamma = d.chain(1), d.chain(2), d.chain(3)
    for chain, user in ((alpha, ALICE), (beta, BOB), (gamma, CAROL)):
        d.deposit_eth(chain, user, ETHER)
    r = {(q.chain, q.serial): q for q in d.new_requests()}
    d.build_block(ops=[r[(1, 0)], r[(2, 0)]])
    d.build_block(ops=[r[(3, 0)]], transfers=[Transfer(0, 2, ETHER // 5, 0).sign(ALICE.l2_key, d.domain)])
    d.settle()
    d.deposit_eth(gamma, DAVE, ETHER // 2)  # never included: refunded
    start = len(d.gas_log)
    advance_time(gamma.w3, d.config.rollup.priority_expiration_seconds + 1)
    gamma.sender(DAVE.l1_key).send(
        gamma.rollup.functions.activateExodus(), label="activate exodus (secondary)"
    )
    d.relay()  # the notice: the primary activates and sends R to both secondaries
    d.relay()
    beta.sender(DAVE.l1_key).send(report_liquidity_call(beta, 0), label="report liquidity")
    d.relay()
    restored = restore(alpha, d.config.rollup.circuit, 2)
    alice = exit_claim(restored.state, 0)
    fn = exit_call(alpha, restored.stored, alice, exit_prover.prove(alice), {1: alice.leaf.balance})
    alpha.sender(ALICE.l1_key).send(fn, label="exit, paid on the primary")
    bob = exit_claim(restored.state, 1)
    fn = exit_call(alpha, restored.stored, bob, exit_prover.prove(bob), {2: bob.leaf.balance})
    alpha.sender(BOB.l1_key).send(fn, label="exit, paid on a secondary")
    d.relay()  # the exit payout
    events = gamma.rollup.events.PriorityRequestQueued().get_logs(from_block=gamma.deploy_block)
    [stuck] = unexecuted_deposits(gamma, [dict(e["args"]) for e in events])
    gamma.sender(DAVE.l1_key).send(refund_call(gamma, stuck), label="refund a deposit")
    for chain, user in ((alpha, ALICE), (beta, BOB), (gamma, DAVE)):
        fn = chain.rollup.functions.withdrawPendingBalance(user.address, 0)
        chain.sender(user.l1_key).send(fn, label="withdraw pending balance (ETH)")
    names = {c.name: c for c in d.chains.values()}
    return [(g.label, g.chain, g.gas_used) for g in d.gas_log[start:] if g.chain in names]


def restore_speed(world: World, blocks: int) -> dict[str, float]:
    """Commit `blocks` blocks of deposits and transfers on the primary, then rebuild the state from L1."""
    d, alpha = world, world.chain(1)
    users = [ALICE, BOB]
    for u in users:
        d.deposit_eth(alpha, u, 1_000 * ETHER)
    d.build_block(ops=d.new_requests())
    nonces = [0, 0]
    for n in range(blocks - 1):
        a, b = n % 2, 1 - n % 2
        txs = []
        for _ in range(2):
            txs.append(Transfer(a, b, 10**15, nonces[a]).sign(users[a].l2_key, d.domain))
            nonces[a] += 1
        d.build_block(transfers=txs)
        if (n + 1) % 25 == 0:
            d.commit()
    d.commit()
    profile = d.config.rollup.circuit
    restored = restore(alpha, profile, blocks)
    assert restored.state.root == d.ledger.block(blocks).new_root
    started = time.perf_counter()
    replay = Replay(profile)
    for number in range(1, blocks + 1):
        replay.block(*split_public_data(profile, d.ledger.block(number).public_data))
    replay.state().root  # noqa: B018 - the tree's hashing is part of the work
    in_memory = time.perf_counter() - started
    return {
        "blocks": blocks,
        "records": restored.records,
        "restore_s": restored.seconds,
        "restore_rate": restored.records_per_second,
        "replay_s": in_memory,
        "replay_rate": restored.records / in_memory,
    }


def drill_seconds() -> float:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/integration/test_exodus_drill.py"],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the drill failed:\n{done.stdout[-2000:]}")
    return time.monotonic() - started


def _by_call(gas: list[tuple[str, str, int]]) -> dict[tuple[str, str], list[int]]:
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for label, chain, used in gas:
        rows[(label, chain)].append(used)
    return rows


def _worst_claim(gas: list[tuple[str, str, int]]) -> int:
    return max((u for label, _, u in gas if label.startswith("exit,")), default=0)


def report(gas: list[tuple[str, str, int]], speed: dict[str, float], drill: float | None) -> str:
    rows = _by_call(gas)
    out = [
        "# Exodus benchmark",
        "",
        "Written by `python -m orchestrator.bench.exodus` (docs/exodus.md). Three anvil chains, test",
        "profile, real Groth16 proofs (the exit circuit's verifier on the primary). Whole-transaction gas.",
        "",
        "## Gas",
        "",
        "| call | chain | calls | gas per call |",
        "|---|---|---|---|",
    ]
    out += [f"| {label} | {chain} | {len(g)} | {sum(g) // len(g):,} |" for (label, chain), g in rows.items()]
    worst = _worst_claim(gas)
    out += [
        "",
        f"Exit claim on the primary: at most **{worst:,}** gas (target <= {EXIT_TARGET:,}: "
        f"{'met' if worst <= EXIT_TARGET else 'NOT met'}).",
        "",
        "## Restore from L1 data",
        "",
        f"- {int(speed['blocks'])} blocks, {int(speed['records'])} records (deposits and transfers)",
        f"- from the primary's calldata (logs, transactions, replay, tree, check against the chain): "
        f"{speed['restore_s']:.2f} s, **{speed['restore_rate']:,.0f} records/s** "
        f"(target >= {RESTORE_TARGET:,})",
        f"- the replay alone, public data in memory: {speed['replay_s']:.2f} s, "
        f"{speed['replay_rate']:,.0f} records/s",
        "",
        "## The drill",
        "",
        "- tests/integration/test_exodus_drill.py end to end: "
        + (f"**{drill:.0f} s**" if drill is not None else "not run (--no-drill)"),
        "",
    ]
    return "\n".join(out)


def document(gas: list[tuple[str, str, int]], speed: dict[str, float], drill: float | None) -> dict[str, Any]:
    """The figures of `report` as data (docs/json.md, `rollup.bench-exodus/1`)."""
    calls = [
        {"call": label, "chain": chain, "calls": len(g), "gas_per_call": sum(g) // len(g)}
        for (label, chain), g in _by_call(gas).items()
    ]
    return {
        "gas": calls,
        "exit_claim_max_gas": _worst_claim(gas),
        "exit_claim_target_gas": EXIT_TARGET,
        "restore": {
            "blocks": int(speed["blocks"]),
            "records": int(speed["records"]),
            "restore_s": speed["restore_s"],
            "restore_records_per_s": speed["restore_rate"],
            "replay_s": speed["replay_s"],
            "replay_records_per_s": speed["replay_rate"],
            "target_records_per_s": RESTORE_TARGET,
        },
        "drill_s": drill,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200, help="Blocks committed for the restore benchmark.")
    parser.add_argument("--no-drill", action="store_true", help="Skip timing the drill.")
    add_json_flag(parser)
    args = parser.parse_args(argv)
    with json_output("exodus", args.json) as figures:
        prover, exit_prover = BlockProver("test"), ExitProver("test")
        with tempfile.TemporaryDirectory(prefix="bench-exodus-") as tmp:
            with settlement_world(Path(tmp) / "gas", prover, n=3, base_chain_id=974000) as world:
                gas = gas_of_exodus(world, exit_prover)
            with settlement_world(Path(tmp) / "restore", prover, n=3, base_chain_id=975000) as world:
                speed = restore_speed(world, args.blocks)
        drill = None if args.no_drill else drill_seconds()
        text = report(gas, speed, drill)
        path = repo_root() / "docs" / "benchmarks" / "exodus.md"
        path.write_text(text)
        print(text)
        print(f"written to {path}")
        figures.update(document(gas, speed, drill))


if __name__ == "__main__":
    main()
