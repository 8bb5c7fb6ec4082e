"""Settlement gas benchmark: every stage on every side, on live anvil chains, with real proofs.

Run: `python -m orchestrator.bench.gas [--chains 2-8]`. Writes docs/benchmarks/settlement.md (and prints
it). Three parts:
1. A three-chain round (the settlement test's scenario) and two follow-up rounds: gas of every call, by
   stage and chain, including deposits and payouts.
2. Commit costs by content, estimated (eth_estimateGas, nothing mined) on extra rollup contracts of the
   bench shape (4 on-chain slots, 16 or 64 L2 slots): an empty block, one operation of each type, and the
   marginal cost of a transfer.
3. K = 2..8 chains: one round where every chain has a deposit; total settlement gas against K separate
   rollups that each verify their own proofs, and the sync overhead per secondary.
All figures are whole-transaction gas (21,000 base and calldata included) unless a row says otherwise.
The report and the JSON document of `--json` (docs/json.md, `rollup.bench-gas/1`): gas_report.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from orchestrator.bench import charts
from orchestrator.bench.gas_report import (
    BATCH,
    K_RATIO_TARGET,
    MARGINAL,
    REPORT_IN_COMMIT,
    document,
    gas_of,
    k_figures,
    previous_figures,
    render,
    stage_gas,
)
from orchestrator.bench.jsonout import add_json_flag, json_output
from orchestrator.chain.addresses import EXITS, ROLLUP_IMPLEMENTATION
from orchestrator.chain.clients import Stage
from orchestrator.chain.deploy import deploy_behind_proxy
from orchestrator.chain.sender import GasRecord
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.l2.params import DEPOSIT, FULL_EXIT, WITHDRAW
from orchestrator.l2.tx import OpRecord, Transfer, Withdraw
from orchestrator.paths import repo_root
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement import stages
from orchestrator.settlement.ledger import StoredBlockInfo, sync_hashes_hash
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world

USDC = 10**6
SHAPES = ((4, 16), (4, 64))  # (on-chain slots, L2 slots) of the commit-shape contracts


# -- part 1: rounds ------------------------------------------------------------------------------------


def three_chain_rounds(world: World) -> list[tuple[str, list[GasRecord]]]:
    """Four rounds on three chains; each settles its blocks completely. Returns (title, calls) per round."""
    d = world
    alpha, beta, gamma = world.chain(1), world.chain(2), world.chain(3)
    alice, bob, carol = USERS["alice"], USERS["bob"], USERS["carol"]
    dom = d.domain
    rounds: list[tuple[str, list[GasRecord]]] = []

    def settle(title: str, estimated: Sequence[GasRecord] = ()) -> None:
        mark = len(d.gas_log)
        d.settle()
        rounds.append((title, [*estimated, *d.gas_log[mark:]]))

    mark = len(d.gas_log)
    world.deposit_eth(alpha, alice, 2 * ETHER)
    world.deposit_eth(gamma, carol, ETHER)
    world.deposit_token(beta, bob, "USDC", 100 * USDC)
    rounds.append(("Deposits (users)", d.gas_log[mark:]))
    req = {(r.chain, r.serial): r for r in d.new_requests()}
    d.build_block(
        ops=[req[(1, 0)], req[(3, 0)]],
        transfers=[
            Transfer(0, 1, ETHER // 2, 0).sign(alice.l2_key, dom),
            Transfer(1, 0, ETHER // 10, 0).sign(carol.l2_key, dom),
        ],
    )
    d.build_block(
        ops=[req[(2, 0)], Withdraw(0, 3, alice.address_int, 6 * ETHER // 10, 1).sign(alice.l2_key, dom)],
        transfers=[Transfer(1, 0, ETHER // 5, 1).sign(carol.l2_key, dom)],
    )
    d.build_block(
        ops=[
            Withdraw(2, 2, bob.address_int, 40 * USDC, 0).sign(bob.l2_key, dom),
            Withdraw(1, 1, carol.address_int, 4 * ETHER // 10, 2).sign(carol.l2_key, dom),
        ]
    )
    settle(
        "Round 1 (first use of every slot): blocks 1-3, deposits on each chain, transfers, "
        "withdrawals to every chain"
    )
    d.build_block(
        ops=[
            Withdraw(2, 2, bob.address_int, 10 * USDC, 1).sign(bob.l2_key, dom),
            Withdraw(0, 3, alice.address_int, ETHER // 10, 2).sign(alice.l2_key, dom),
        ]
    )
    marginals = [GasRecord(REPORT_IN_COMMIT, c.name, report_in_commit(world, c.id), 0) for c in (beta, gamma)]
    settle("Round 2 (steady state): block 4, one withdrawal to each secondary", marginals)
    d.build_block(
        ops=[
            Withdraw(0, 1, alice.address_int, ETHER // 10, 3).sign(alice.l2_key, dom),
            Withdraw(1, 1, carol.address_int, ETHER // 10, 3).sign(carol.l2_key, dom),
        ]
    )
    settle("Round 3: block 5, two withdrawals paid on the primary (the secondaries do nothing)")
    d.build_block(
        transfers=[
            Transfer(0, 1, ETHER // 100, 4).sign(alice.l2_key, dom),
            Transfer(1, 0, ETHER // 100, 4).sign(carol.l2_key, dom),
        ]
    )
    settle("Round 4: block 6, transfers only")
    for i in range(BATCH):
        d.build_block(transfers=[Transfer(0, 1, ETHER // 1000, 5 + i).sign(alice.l2_key, dom)])
    settle(f"Round 5: blocks 7-{6 + BATCH}, one transfer each, proven in one call (one pairing check)")
    mark = len(d.gas_log)
    for chain, user, token in ((gamma, alice, 0), (beta, bob, 1)):
        chain.tx.send(
            chain.rollup.functions.withdrawPendingBalance(user.address, token),
            label="withdraw ETH" if token == 0 else "withdraw ERC-20",
        )
    rounds.append(("Payouts (anyone pushes a pending balance to its owner)", d.gas_log[mark:]))
    return rounds


def report_in_commit(world: World, chain_id: int) -> int:
    """What the sync reports add to secondary `chain_id`'s next commit: `commitBlocksAndReport` against
    `commitBlocks` of the same blocks, both estimated on the same state (nothing is sent)."""
    c, ledger = world.chain(chain_id), world.ledger
    after = c.rollup.counter(Stage.COMMITTED)
    operator = Account.from_key(world.operator).address
    gas = {}
    for report in (True, False):
        fn = stages.commit_secondary(c.rollup, ledger, chain_id, after, ledger.last_block, report)
        if fn is None:
            return 0
        gas[report] = int(fn.estimate_gas({"from": operator}))
    return gas[True] - gas[False]


# -- part 2: commit shapes -----------------------------------------------------------------------------


def _shape_contract(world: World, n_op: int, n_tx: int) -> Contract:
    d, alpha = world, world.chain(1)
    artifact = compile_contracts()["PrimaryRollup"]
    operator = Account.from_key(d.operator).address
    params = (1, 24, 10_000, 2_500, 0, alpha.messenger.address)
    deployer = alpha.sender(d.config.keys.deployer)
    exits = d.deployments.chains[alpha.config.name].contracts[EXITS].address
    address = deploy_behind_proxy(
        deployer,
        artifact,
        lambda proxy: [params, 3, n_op, n_tx, exits, proxy],
        [deployer.address, operator, deployer.address, bytes(32)],
    )
    contract: Contract = alpha.w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)
    return contract


def commit_shapes(world: World) -> dict[str, int]:
    """Estimated commit gas of crafted blocks on bench-shaped primaries (no proof is needed to commit)."""
    d, alpha = world, world.chain(1)
    dave = USERS["dave"]
    out: dict[str, int] = {}
    contracts = {shape: _shape_contract(world, *shape) for shape in SHAPES}
    zero = bytes(32)
    genesis = StoredBlockInfo(0, 0, zero, zero, zero, sync_hashes_hash([zero] * 3), 0, 0).as_tuple()
    now = int(alpha.w3.eth.get_block("latest")["timestamp"])
    for rollup in contracts.values():
        deposit = rollup.functions.depositETH(dave.pkh_bytes, dave.address)
        alpha.sender(dave.l1_key).send(deposit, value=ETHER, label="deposit ETH")
        alpha.sender(dave.l1_key).send(rollup.functions.requestFullExit(0, 0), label="request full exit")
    records = {
        "deposit (own chain)": OpRecord(DEPOSIT, 1, 0, 0, ETHER, dave.address_int, dave.pkh),
        "withdraw (own chain)": OpRecord(WITHDRAW, 1, 0, 0, ETHER, dave.address_int),
        "withdraw (other chain)": OpRecord(WITHDRAW, 2, 0, 0, ETHER, dave.address_int),
        "full exit (other chain)": OpRecord(FULL_EXIT, 3, 0, 0, ETHER, dave.address_int),
    }
    transfer = bytes([4]) + bytes(range(1, 14))  # a transfer record: every byte non-zero, as in practice

    def estimate(shape: tuple[int, int], ops: Sequence[OpRecord], transfers: int) -> int:
        n_op, n_tx = shape
        data = b"".join(r.encode() for r in ops) + bytes(64 * (n_op - len(ops)))
        data += transfer * transfers + bytes(14 * (n_tx - transfers))
        block = (1, now, (7).to_bytes(32, "big"), data)
        fn = contracts[shape].functions.commitBlocks(genesis, [bytes(32)] * 3, [block])
        return int(fn.estimate_gas({"from": Account.from_key(d.operator).address}))

    small, large = SHAPES
    out["empty block (4 on-chain + 16 L2 slots, all Noop)"] = base = estimate(small, [], 0)
    for name, record in records.items():
        out[f"+1 {name}"] = estimate(small, [record], 0) - base
    own_exit = OpRecord(FULL_EXIT, 1, 0, 0, ETHER, dave.address_int)  # request serial 1, after the deposit
    four = [
        records["deposit (own chain)"],
        records["withdraw (own chain)"],
        records["withdraw (other chain)"],
        own_exit,
    ]
    out["+4 ops (own deposit and full exit, 2 withdrawals)"] = estimate(small, four, 0) - base
    out["full block (those 4 ops + 16 transfers)"] = estimate(small, four, 16)
    out["transfer vs Noop in a slot (calldata only)"] = (estimate(small, [], 16) - base) // 16
    full_small, full_large = estimate(small, [], 16), estimate(large, [], 64)
    out[MARGINAL] = (full_large - full_small) // 48
    return out


# -- part 3: K chains ----------------------------------------------------------------------------------


def k_chain_round(tmp: Path, prover: BlockProver, k: int, prove_one: int) -> dict[str, int]:
    """Two rounds where every chain has one deposit (two per block); gas by stage of the second."""
    with settlement_world(tmp / f"k{k}", prover, n=k, base_chain_id=960000 + 100 * k) as world:
        d = world
        for _ in range(2):
            for c in d.chains.values():
                world.deposit_eth(c, USERS["alice"], ETHER)
            requests = sorted(d.new_requests(), key=lambda r: r.chain)
            for i in range(0, len(requests), 2):
                d.build_block(ops=requests[i : i + 2])
            mark = len(d.gas_log)
            for c in list(d.chains.values())[1:]:
                d.gas_log.append(GasRecord(REPORT_IN_COMMIT, c.name, report_in_commit(d, c.id), 0))
            d.settle()
        by_stage: dict[str, int] = defaultdict(int)
        for r in d.gas_log[mark:]:
            by_stage[r.label] += r.gas_used
        by_stage["blocks"] = (k + 1) // 2
        by_stage["prove_one"] = prove_one
        return dict(by_stage)


def proxy_overhead(world: World) -> int:
    """Gas an ERC-1967 proxy adds to one call: the same view through the primary's proxy and on its
    implementation directly (both read one cold slot; the proxy adds its implementation slot and the
    delegatecall)."""
    alpha = world.chain(1)
    implementation = world.deployments.chains[alpha.name].contracts[ROLLUP_IMPLEMENTATION].address
    direct = alpha.w3.eth.contract(
        address=Web3.to_checksum_address(implementation), abi=alpha.rollup.contract.abi
    )
    through = int(alpha.rollup.functions.lastCommittedBlock().estimate_gas())
    return through - int(direct.functions.lastCommittedBlock().estimate_gas())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.bench.gas", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--chains", default="2,3,4,6,8", help="chain counts for part 3, e.g. 2,3,4,6,8 or 2-8"
    )
    add_json_flag(parser)
    args = parser.parse_args(argv)
    counts: list[int] = []
    for part in args.chains.split(","):
        low, _, high = part.partition("-")
        counts += range(int(low), int(high or low) + 1)
    with json_output("gas", args.json) as doc:
        doc.update(_run(counts))
    return 0


def _run(counts: list[int]) -> dict[str, object]:
    """Measure, write the report and its charts; the figures as data."""
    started = time.monotonic()
    prover = BlockProver("test")
    with tempfile.TemporaryDirectory(prefix="bench-gas-") as tmp:
        with settlement_world(Path(tmp) / "three", prover, n=3, base_chain_id=959000) as world:
            rounds = three_chain_rounds(world)
            shapes = commit_shapes(world)
            proxy_gas = proxy_overhead(world)
        prove_one = gas_of(rounds[2][1], "prove 1")
        sweep = {k: k_chain_round(Path(tmp), prover, k, prove_one) for k in counts}
    figures = k_figures(sweep)
    docs = repo_root() / "docs" / "benchmarks"
    text = render(rounds, shapes, figures, proxy_gas, previous_figures(docs / "settlement.md"))
    (docs / "settlement.md").write_text(text)
    if len(figures) > 1:
        ks, ours, separate = ([getattr(f, a) for f in figures] for a in ("k", "total", "separate"))
        (docs / "settlement-k.svg").write_text(charts.k_chain_chart(ks, ours, separate, K_RATIO_TARGET))
    (docs / "settlement-stages.svg").write_text(charts.stage_gas_chart(stage_gas(rounds)))
    sys.stdout.write(text)
    print(f"wrote {docs / 'settlement.md'} in {time.monotonic() - started:.0f} s")
    return document(rounds, shapes, figures, proxy_gas)


if __name__ == "__main__":
    sys.exit(main())
