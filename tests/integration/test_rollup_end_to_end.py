"""The demo's story on live anvil chains with both daemons running as processes: 3 and 4 chains (two
chains with every daemon a process: tests/integration/test_validium_daemons.py and the settlement tests).

Each run deposits ETH and tokens on different chains, transfers on L2, withdraws to other chains (a deposit
on one chain withdrawn on another), processes a full exit on a secondary, and checks every balance moved
on L1 and L2. Bad L2 input over JSON-RPC is refused with its reason and changes nothing.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest

from orchestrator.errors import TxRejected
from orchestrator.jsonrpc.client import RpcFailed
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from orchestrator.testing.story import Story
from orchestrator.wallet.actions import own_account
from tests.helpers import run_rollup


@pytest.fixture(scope="module", params=[3, 4], ids=lambda n: f"{n}-chains")
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver
) -> Iterator[Story]:
    n = request.param
    tmp = tmp_path_factory.mktemp(f"e2e{n}")
    config_path = write_settlement_devnet(tmp, n, 970000 + 10 * n)
    with running_rollup(config_path, tmp / "home") as rollup:
        s = Story(rollup)
        s.run(timeout=240)
        yield s


def test_the_story_moves_every_balance_it_should_on_every_chain(story: Story) -> None:
    assert story.check() == []
    assert len(story.expectations) == 3 and all(e.ok for e in story.expectations)
    # the withdrawal to another chain than the deposit's
    alice = next(e for e in story.expectations if e.who == "alice")
    assert alice.chain == story.target.name != story.second.name


def test_every_chain_executed_every_block_it_holds(story: Story) -> None:
    status = story.rollup.client.status()
    assert status["mempool"] == 0 and status["queued_requests"] == 0
    primary = status["chains"][0]
    assert primary["committed"] == primary["proven"] == primary["synchronized"] == primary["executed"]
    assert primary["executed"] == status["last_block"]
    for chain in status["chains"][1:]:  # a secondary holds only the blocks with its operations
        assert chain["committed"] == chain["synchronized"] == chain["executed"]
        if chain["name"] in (story.second.name, story.target.name):
            assert chain["executed"] > 0


def _raw(rollup: RunningRollup, body: bytes) -> dict[str, object]:
    request = urllib.request.Request(
        rollup.config.sequencer.rpc_url, body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read()))


def test_bad_l2_input_is_refused_with_its_reason_and_changes_nothing(story: Story) -> None:
    rollup, client, w = story.rollup, story.rollup.client, story.wallets
    eth = story.eth
    alice = own_account(client, w["alice"], eth)
    bob = own_account(client, w["bob"], eth)
    index, nonce = int(str(alice["index"])), int(str(alice["pending_nonce"]))
    domain = client.domain()
    before = [client.account(index), client.account(int(str(bob["index"]))), client.status()]
    good = Transfer(index, int(str(bob["index"])), 1000, nonce)
    cases = {
        "not_owner": good.sign(w["bob"].l2_key, domain),  # bob signs for alice's account
        "bad_signature": replace(good.sign(w["alice"].l2_key, domain), amount=2000),  # altered after signing
        "bad_nonce": Transfer(index, good.to_index, 1000, nonce - 1).sign(
            w["alice"].l2_key, domain
        ),  # replay
        "insufficient_balance": Transfer(index, good.to_index, 10**30, nonce).sign(w["alice"].l2_key, domain),
        "unknown_account": Transfer(index, 200, 1000, nonce).sign(w["alice"].l2_key, domain),
        "unknown_account outside the tree": Transfer(index, 1 << 20, 1000, nonce).sign(
            w["alice"].l2_key, domain
        ),
        "amount_not_packable": Transfer(index, good.to_index, 123456789012345678901, nonce).sign(
            w["alice"].l2_key, domain
        ),
    }
    for reason, tx in cases.items():
        with pytest.raises(TxRejected) as refused:
            client.send(tx)
        assert refused.value.code == reason.split()[0], (reason, str(refused.value))
    with pytest.raises(TxRejected) as refused:  # chain 9 does not exist: a wallet cannot even build it
        client.send(
            Withdraw(index, 9, int(w["alice"].address, 16), 1000, nonce).sign(w["alice"].l2_key, domain)
        )
    assert refused.value.code == "bad_chain"
    unknown_chain = {
        "type": "withdraw",
        "from": index,
        "chain": 7,
        "address": w["alice"].address,
        "amount": "1000",
        "nonce": nonce,
    }
    with pytest.raises(TxRejected):  # chain 7 is a valid id, but not one of this devnet's
        client.send_raw(unknown_chain)
    for malformed in ({"type": "transfer", "from": index}, {"type": "mint"}, "transfer", [1, 2]):
        with pytest.raises(TxRejected) as refused:
            client.send_raw(malformed)
        assert refused.value.code == "malformed"
    assert _raw(rollup, b"{not json")["error"]["code"] == -32700  # type: ignore[index]
    assert _raw(rollup, b'{"jsonrpc": "2.0", "id": 1, "method": "rollup_mint"}')["error"]["code"] == -32601  # type: ignore[index]
    with pytest.raises(RpcFailed):
        client.account(-1)
    after = [client.account(index), client.account(int(str(bob["index"]))), client.status()]
    assert after == before


def test_a_batch_answers_each_transfer_on_its_own_and_stores_the_accepted(story: Story) -> None:
    """One JSON-RPC batch (one disk sync for all of it): a refused transfer answers its reason, the others
    their hashes, and each accepted one goes through to execution. Alice and Bob send each other the same
    amount, so the story's balances stay what its own test expects."""
    client, w = story.rollup.client, story.wallets
    alice, bob = own_account(client, w["alice"], story.eth), own_account(client, w["bob"], story.eth)
    a, b = int(str(alice["index"])), int(str(bob["index"]))
    a_nonce, b_nonce = int(str(alice["pending_nonce"])), int(str(bob["pending_nonce"]))
    domain = client.domain()
    there = Transfer(a, b, 1000, a_nonce).sign(w["alice"].l2_key, domain)
    replay = Transfer(a, b, 1000, a_nonce - 1).sign(w["alice"].l2_key, domain)
    back = Transfer(b, a, 1000, b_nonce).sign(w["bob"].l2_key, domain)
    answers = client.send_many([there, replay, back])
    refused = answers.pop(1)
    assert isinstance(refused, TxRejected) and refused.code == "bad_nonce"
    hashes = [h for h in answers if isinstance(h, str)]
    assert len(hashes) == 2 and client.account(a)["pending_nonce"] == a_nonce + 1
    for tx_hash in hashes:
        assert client.wait_transaction(tx_hash, "executed", timeout=300)["block"] is not None
    assert client.account(a)["balance"] == alice["balance"]


def test_the_user_verbs_work_from_the_command_line(story: Story) -> None:
    rollup = story.rollup
    if len(rollup.config.chains) != 3:
        pytest.skip("the command line is exercised once, on the 3-chain devnet")

    def run(*args: str) -> str:
        result = run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=300)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    assert "funded with 100 ETH" in run("account", "create", "erin")
    run("account", "create", "frank")
    assert "spendable on L2" in run("deposit", "erin", "1", "ETH", "--chain", "beta")
    assert "spendable on L2" in run("deposit", "frank", "0.2", "ETH", "--chain", "gamma")
    assert "in block" in run("transfer", "erin", "0.25", "ETH", "--to", "frank")
    # alpha's ETH vault holds only bob's 0.1 ETH: the sequencer refuses, in one line, what it cannot pay
    short = run_rollup(
        "withdraw", "erin", "0.5", "ETH", "--chain", "alpha", config=rollup.config_path, home=rollup.home
    )
    assert short.returncode == 1 and "error: refused: alpha's vault can pay out" in short.stderr, short.stderr
    assert "paid on beta" in run("withdraw", "erin", "0.5", "ETH", "--chain", "beta")
    balance = run("balance", "erin")
    assert "0.25 ETH" in balance and "beta" in balance
    assert "stages per chain" in run("status")
    refused = run_rollup(
        "transfer", "erin", "100", "ETH", "--to", "frank", config=rollup.config_path, home=rollup.home
    )
    assert refused.returncode == 1 and "it cannot send 100 ETH" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
