"""The exodus drill (docs/exodus.md), on three live chains with the real daemons, through the CLI.

Deposits on all three chains, a transfer, and a withdrawal caught in flight: the sequencer is killed
(kill -9 at a TEST-ONLY crash point) after that withdrawal's block is synchronized, before anything
executes it, and its store is deleted. Two deposits come in that nobody will ever include. The validators
and a relayer stay up. Once the deadline (25 s in this devnet) has passed, anyone starts exodus on one
chain and it reaches every chain. Then every user gets exactly their L2 balance at R, on chains of their
choosing, with `rollup exodus exit`; the stuck deposits come back with `rollup exodus refund`; the
decided withdrawal is paid; and what each vault paid is what left it. Along the way each exodus command
runs once with --json, and its document (docs/json.md) is checked against the chains.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_typing import HexStr

from orchestrator.crashpoints import ENV
from orchestrator.prover.groth16 import Proof, SnarkjsVerifier
from orchestrator.prover.profiles import BlockProver, exit_profile_keys
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from orchestrator.testing.users import ANVIL_USER_KEYS
from tests.helpers import run_rollup

pytestmark = pytest.mark.integration

DEADLINE_S = 25
ETHER = 10**18
USDC = 10**6


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[RunningRollup]:
    tmp = tmp_path_factory.mktemp("drill")
    config_path = write_settlement_devnet(tmp, 3, 996000)
    text = config_path.read_text()
    text = re.sub(
        r"(?m)^priority_expiration_seconds = .*$", f"priority_expiration_seconds = {DEADLINE_S}", text
    )
    # A guardian's pause may last at most a quarter of the window.
    text = re.sub(r"(?m)^pause_seconds = .*$", f"pause_seconds = {DEADLINE_S // 4}", text)
    config_path.write_text(text)
    with running_rollup(config_path, tmp / "home") as rollup:
        yield rollup


def _cli(rollup: RunningRollup, *args: str, ok: bool = True, timeout: float = 600) -> str:
    """The command's output; a refusal (ok=False) is exactly one line on stderr, which is returned."""
    done = run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=timeout)
    out = done.stdout + done.stderr
    assert "Traceback" not in out, out
    assert (done.returncode == 0) == ok, (args, out)
    if not ok:
        assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
        return done.stderr
    return out


def _doc(rollup: RunningRollup, schema: str, *args: str) -> dict[str, Any]:
    """The command's --json document: stdout holds it alone (its progress goes to stderr)."""
    done = run_rollup(*args, "--json", config=rollup.config_path, home=rollup.home, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    doc: dict[str, Any] = json.loads(done.stdout)
    assert doc["schema"] == schema, doc
    return doc


def _exodus_status(rollup: RunningRollup) -> dict[str, Any]:
    return _doc(rollup, "rollup.exodus-status/1", "exodus", "status")


def _mined(rollup: RunningRollup, chain: str, tx_hash: str) -> bool:
    [config] = [c for c in rollup.config.chains if c.name == chain]
    return bool(rollup.net.w3(config).eth.get_transaction_receipt(HexStr(tx_hash))["status"] == 1)


def _vaults(rollup: RunningRollup) -> dict[tuple[str, int], int]:
    net = rollup.net
    return {
        (c.name, t): int(net.rollup(c).functions.vault(t).call())
        for c in rollup.config.chains
        for t in (0, 1)
    }


def _withdrawn(rollup: RunningRollup, since: dict[str, int]) -> dict[tuple[str, str, int], int]:
    """What each owner was paid out per chain and token since L1 block `since[chain]`."""
    net, out = rollup.net, dict[tuple[str, str, int], int]()
    for c in rollup.config.chains:
        for e in net.rollup(c).events.PendingBalanceWithdrawn().get_logs(from_block=since[c.name]):
            key = (c.name, str(e["args"]["owner"]).lower(), int(e["args"]["tokenId"]))
            out[key] = out.get(key, 0) + int(e["args"]["amount"])
    return out


def _settled(rollup: RunningRollup, timeout: float = 240) -> None:
    """Wait until every built block is executed on every chain that holds it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = rollup.client.status()
        chains = s["chains"]
        executed = all(c["executed"] == c["committed"] for c in chains)
        if s["queued_requests"] == 0 and executed and chains[0]["executed"] == s["last_block"]:
            return
        time.sleep(0.5)
    raise AssertionError(f"the chains did not settle: {rollup.client.status()}")


def test_every_user_gets_out_with_the_sequencer_gone(drill: RunningRollup) -> None:
    rollup = drill

    def cli(*args: str, ok: bool = True) -> str:
        return _cli(rollup, *args, ok=ok)

    for name, key in ANVIL_USER_KEYS.items():
        cli("account", "create", name, "--l1-key", key)
    address = {name: Account.from_key(key).address.lower() for name, key in ANVIL_USER_KEYS.items()}

    # Money in on every chain, a transfer on L2; everything settles while the operator works.
    cli("deposit", "alice", "1", "ETH", "--chain", "alpha")
    cli("deposit", "bob", "1", "ETH", "--chain", "beta")
    cli("deposit", "carol", "100", "USDC", "--chain", "beta", "--mint")
    cli("deposit", "dave", "1", "ETH", "--chain", "gamma")
    cli("transfer", "alice", "0.2", "ETH", "--to", "dave")
    _settled(rollup)

    # Bob's withdrawal to gamma is synchronized, then the sequencer dies before anyone executes it.
    rollup.sequencer.kill()
    rollup.start_sequencer({ENV: "mined:synchronize"})
    cli("withdraw", "bob", "0.3", "ETH", "--chain", "gamma", "--no-wait")
    assert rollup.sequencer.wait_exit(300) == -signal.SIGKILL
    for store in rollup.home.glob("sequencer.db*"):
        store.unlink()  # the operator is gone for good, and its data with it
    # Deposits nobody will include.
    cli("deposit", "dave", "0.5", "ETH", "--chain", "gamma", "--no-wait")
    cli("deposit", "carol", "0.1", "ETH", "--chain", "beta", "--no-wait")

    # Not in exodus yet: there is no way out to take, and the CLI says so in one line.
    assert "not in exodus" in cli("exodus", "exit", "alice", "ETH", ok=False)
    # Too early: the deadline has not passed.
    early = cli("exodus", "activate", "--chain", "gamma", "--wallet", "dave", ok=False)
    assert "not due" in early
    args = ("exodus", "activate", "--chain", "gamma", "--wallet", "dave", "--json")
    refused = run_rollup(*args, config=rollup.config_path, home=rollup.home)  # --json: the same one line
    assert (refused.returncode, refused.stdout) == (1, "") and "not due" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    time.sleep(DEADLINE_S + 2)
    activated = _doc(rollup, "rollup.exodus-activate/1", *args[:-1])
    assert (activated["chain"], activated["rollup_chain_id"]) == ("gamma", 3)
    assert _mined(rollup, "gamma", activated["tx_hash"])
    deadline = time.monotonic() + 120
    while "off" in (status := cli("exodus", "status")) and time.monotonic() < deadline:
        time.sleep(1)  # the relayer carries the notice to alpha, then alpha's exodus to beta and gamma
    assert status.count("active") == 3, status
    # As data, once every chain knows R too (gamma, active first, may learn it last).
    doc = _exodus_status(rollup)
    while None in [c["reference_block"] for c in doc["chains"]]:
        assert time.monotonic() < deadline, doc
        time.sleep(1)
        doc = _exodus_status(rollup)
    assert [c["name"] for c in doc["chains"]] == ["alpha", "beta", "gamma"]
    assert all(
        c["active"] and c["reference_block"] == doc["chains"][0]["reference_block"] for c in doc["chains"]
    )
    r = doc["chains"][0]["reference_block"]
    assert isinstance(r, int) and r > 0 and doc["exits_done"] == 0
    tokens = {(c["name"], t["token"]) for c in doc["chains"] for t in c["tokens"]}
    assert {("alpha", "ETH"), ("beta", "USDC"), ("gamma", "ETH")} <= tokens
    beta_vault = {t["token"]: t["vault"] for t in doc["chains"][1]["tokens"]}
    assert beta_vault == {"ETH": str(ETHER), "USDC": str(100 * USDC)}  # bob's and carol's, executed
    # A sequencer started now stops at once, in one clear line: the operator's role is gone.
    started = run_rollup("sequencer", config=rollup.config_path, home=rollup.home, timeout=60)
    assert started.returncode == 1 and "Traceback" not in started.stderr, started.stderr
    assert "exodus is active on alpha, beta, gamma" in started.stderr.strip().splitlines()[-1]

    # The state at R from L1 alone, and an exit proof from it that snarkjs accepts too.
    restored = cli("restore", "--account", "0", "--out", str(rollup.home.parent / "exit0.json"))
    assert "matches alpha" in restored and "exit proven" in restored
    exported = json.loads((rollup.home.parent / "exit0.json").read_text())
    _, exit_keys = exit_profile_keys("test")
    signals = [int(v) for v in exported["public_signals"]]
    assert SnarkjsVerifier().verify(exit_keys.verifying_key, Proof.from_snarkjs(exported["proof"]), signals)
    doc = _doc(rollup, "rollup.exodus-restore/1", "restore", "--account", "1")
    assert (doc["block"], doc["primary"], doc["exit"]["account"]) == (r, "alpha", 1)
    assert re.fullmatch(r"0x[0-9a-f]{64}", doc["state_root"]) and doc["exit"]["written_to"] is None
    bob = doc["exit"]
    assert (bob["owner"], bob["token"], bob["token_id"]) == (address["bob"], "ETH", 0)
    assert bob["balance"] == str(7 * ETHER // 10)  # 1 deposited, 0.3 withdrawn in a block at or below R
    signals = [int(v) for v in bob["public_signals"]]
    assert SnarkjsVerifier().verify(exit_keys.verifying_key, Proof.from_snarkjs(bob["proof"]), signals)

    since = {c.name: int(rollup.net.w3(c).eth.block_number) for c in rollup.config.chains}
    # Exits: alice on alpha, bob on gamma (which first pays his decided withdrawal), carol's USDC on
    # beta, dave wherever there is room (the primary first, then the rest).
    assert "exited 0.8 ETH" in cli("exodus", "exit", "alice", "ETH", "--chain", "alpha")
    twice = cli("exodus", "exit", "alice", "ETH", "--chain", "beta", ok=False)
    assert "exited already" in twice
    assert "exited 0.7 ETH" in cli("exodus", "exit", "bob", "ETH", "--chain", "gamma")
    assert "exited 100 USDC" in cli("exodus", "exit", "carol", "USDC", "--chain", "beta")
    short = cli("exodus", "exit", "dave", "ETH", "--chain", "gamma", ok=False)
    assert "short of liquidity" in short
    # dave's 1.2 ETH, as data: alpha pays what alice left (0.2), beta reports its vault, then pays 1.
    doc = _doc(rollup, "rollup.exodus-exit/1", "exodus", "exit", "dave", "ETH")
    assert (doc["wallet"], doc["token"], doc["reference_block"]) == ("dave", "ETH", r)
    assert doc["paid"] == str(12 * ETHER // 10)
    [claim] = doc["exits"]
    split = [("alpha", str(2 * ETHER // 10)), ("beta", str(ETHER))]
    assert [(p["chain"], p["amount"]) for p in claim["paid_on"]] == split and claim["amount"] == doc["paid"]
    assert [(p["chain"], p["amount"], p["owner"].lower()) for p in doc["payouts"]] == [
        (chain, amount, address["dave"]) for chain, amount in split
    ]
    assert [(x["chain"], x["token"]) for x in doc["liquidity_reports"]] == [("beta", "ETH")]
    assert _mined(rollup, "alpha", claim["tx_hash"]) and doc["address"].lower() == address["dave"]
    assert "refunded" in cli("exodus", "refund", "dave")
    doc = _doc(rollup, "rollup.exodus-refund/1", "exodus", "refund", "carol")
    [refund] = doc["refunds"]
    assert (refund["chain"], refund["token"], refund["amount"]) == ("beta", "ETH", str(ETHER // 10))
    assert [(p["chain"], p["amount"]) for p in doc["payouts"]] == [("beta", str(ETHER // 10))]
    assert _mined(rollup, "beta", refund["tx_hash"]) and doc["executed"] == []

    paid = _withdrawn(rollup, since)
    a = address
    assert paid == {
        ("alpha", a["alice"], 0): 8 * ETHER // 10,
        ("gamma", a["bob"], 0): ETHER,  # his 0.3 ETH withdrawal, decided before the stop, and 0.7 exited
        ("beta", a["carol"], 1): 100 * USDC,
        ("beta", a["carol"], 0): ETHER // 10,  # the refund of her deposit no block included
        ("alpha", a["dave"], 0): 2 * ETHER // 10,
        ("beta", a["dave"], 0): ETHER,
        ("gamma", a["dave"], 0): ETHER // 2,  # the refund of the deposit no block included
    }
    # Each vault paid exactly what it held at R: none is left, none went negative.
    assert all(v == 0 for v in _vaults(rollup).values()), _vaults(rollup)
