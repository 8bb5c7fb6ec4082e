"""kill -9 of the sequencer at every stage boundary and in the middle of stages, and of the relayer: after
each restart the chains converge with no deposit lost, no block committed twice, no message delivered twice.

The kills are real SIGKILLs the daemon sends itself at a named point (TEST-ONLY crash points,
orchestrator/crashpoints.py): `sent:<stage>` is between a transaction's broadcast and its receipt (the
middle of a stage), `mined:<stage>` right after its receipt (a stage boundary), `block-built` after a
block was stored but before any chain saw it, `proof-saved` after a proof was stored but not verified.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3 import Web3

from orchestrator.crashpoints import ENV
from orchestrator.devnet.state import PROVER_SCRATCH
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from orchestrator.testing.users import USERS
from orchestrator.wallet.actions import deposit, own_account

SEQUENCER_POINTS = [
    "block-built",
    "sent:commit",
    "mined:commit",
    "proof-saved",
    "sent:prove",
    "mined:prove",
    "sent:synchronize",
    "mined:synchronize",
    "sent:execute",
    "mined:execute",
]
RELAYER_POINTS = ["relayer-before-deliver", "sent:deliver", "relayer-after-deliver"]
MICRO_ETH = 10**12  # a millionth of an ETH: the smallest deposit devnets take


@dataclass
class Crashed:
    rollup: RunningRollup
    deposits: Counter[str]  # user -> wei deposited
    kills: list[str]


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[Crashed]:
    tmp = tmp_path_factory.mktemp("crash")
    config_path = write_settlement_devnet(tmp, 3, 990000)
    with running_rollup(config_path, tmp / "home") as rollup:
        net = rollup.net
        users = list(USERS.values())
        deposits: Counter[str] = Counter()
        kills = []
        points = [("sequencer", p) for p in SEQUENCER_POINTS] + [("relayer", p) for p in RELAYER_POINTS]
        for i, (daemon, point) in enumerate(points):
            user = users[i % len(users)]
            chain = rollup.config.chains[1 + i % 2]  # a secondary: every stage has work, reports in commits
            amount = (i + 1) * MICRO_ETH
            process = rollup.sequencer if daemon == "sequencer" else rollup.relayer
            process.kill()  # an unarmed instance: a kill -9 at whatever it was doing, then armed anew
            (rollup.start_sequencer if daemon == "sequencer" else rollup.start_relayer)({ENV: point})
            deposit(net, user, chain, net.token("ETH"), amount)  # gives the daemon work to die in
            deposits[user.name] += amount
            code = (rollup.sequencer if daemon == "sequencer" else rollup.relayer).wait_exit(180)
            assert code == -signal.SIGKILL, f"{daemon} did not die at {point} (exit {code})"
            kills.append(point)
            (rollup.start_sequencer if daemon == "sequencer" else rollup.start_relayer)(None)
        yield Crashed(rollup, deposits, kills)


def _converged(rollup: RunningRollup, timeout: float = 240) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = rollup.client.status()
        chains = s["chains"]
        settled = chains and all(c["executed"] == c["committed"] for c in chains)
        if s["queued_requests"] == 0 and settled and chains[0]["executed"] == s["last_block"]:
            return dict(s)
        time.sleep(0.5)
    raise AssertionError(f"chains did not converge: {rollup.client.status()}")


def test_every_kill_happened(crashed: Crashed) -> None:
    assert crashed.kills == SEQUENCER_POINTS + RELAYER_POINTS


def test_after_the_kills_every_chain_converges_and_no_deposit_is_lost(crashed: Crashed) -> None:
    rollup = crashed.rollup
    _converged(rollup)
    eth = rollup.net.token("ETH")
    for name, total in crashed.deposits.items():
        assert int(str(own_account(rollup.client, USERS[name], eth)["balance"])) == total, name


def test_no_block_was_committed_twice_and_no_message_delivered_twice(crashed: Crashed) -> None:
    rollup = crashed.rollup
    _converged(rollup)
    net = rollup.net
    for chain in rollup.config.chains:
        rollup_contract = net.rollup(chain)
        start = net.deployments.chains[chain.name].deploy_block
        event = (
            rollup_contract.events.BlockCommitted
            if chain.is_primary
            else (rollup_contract.events.SecondaryBlockCommitted)
        )
        committed = [int(e["args"]["blockNumber"]) for e in event().get_logs(from_block=start)]
        assert committed and len(committed) == len(set(committed)), (chain.name, committed)
        address = net.deployments.chains[chain.name].contracts["AttestedMessenger"].address
        messenger = net.w3(chain).eth.contract(
            address=Web3.to_checksum_address(address), abi=_messenger_abi()
        )
        delivered = [
            (int(e["args"]["sourceChainId"]), int(e["args"]["nonce"]))
            for e in messenger.events.MessageDelivered().get_logs(from_block=start)
        ]
        assert len(delivered) == len(set(delivered)), (chain.name, delivered)
        sent = messenger.events.MessageSent().get_logs(from_block=start)
        assert sent, chain.name  # every chain sent reports or confirmations


def _messenger_abi() -> list[dict[str, object]]:
    from orchestrator.contracts.compiler import compile_contracts

    return list(compile_contracts()["AttestedMessenger"].abi)


def test_no_killed_sequencer_left_its_prover_behind(crashed: Crashed) -> None:
    live = crashed.rollup.sequencer.pid
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"multiprocessing" in cmdline and parent != live and parent != os.getpid():
            # a prover worker's parent is the running sequencer; 1 (init) would mean an orphan
            assert parent != 1, f"orphaned prover worker {proc.name}"
    # Nor its scratch files: they live in the home (rollup devnet down clears them), and each start
    # clears what a killed one left, so only the running sequencer's cluster directory remains.
    scratch = crashed.rollup.home / PROVER_SCRATCH
    assert [p.name.startswith("rollup-prover-") for p in scratch.iterdir()] == [True]
