"""TEST-ONLY: the demo's story on a running rollup. Deposits of ETH and tokens on different chains,
transfers on L2, withdrawals to other chains, one full exit, then checks of every balance it moved, on L2
and on each chain. The users are anvil's funded default accounts (orchestrator/testing/users.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import cast

from orchestrator.errors import RollupError
from orchestrator.testing.running import RunningRollup, Say, _quiet
from orchestrator.testing.users import USERS
from orchestrator.wallet.actions import (
    Token,
    deposit,
    l1_balance,
    own_account,
    parse_amount,
    request_full_exit,
    sign_transfer,
    sign_withdraw,
)
from orchestrator.wallet.client import SequencerClient
from orchestrator.wallet.keys import Wallet


@dataclass
class Expectation:
    """One balance the story moved: where, whose, and the change it must show."""

    chain: str
    who: str
    token: str
    before: int
    delta: int
    after: int | None = None

    @property
    def ok(self) -> bool:
        return self.after == self.before + self.delta


@dataclass
class Story:
    """The demo scenario on `rollup` (2 to 8 chains; tokens as `write_settlement_devnet` places them)."""

    rollup: RunningRollup
    say: Say = _quiet
    wallets: dict[str, Wallet] = field(default_factory=dict)
    expectations: list[Expectation] = field(default_factory=list)
    l2_expected: dict[tuple[str, str], int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.wallets = dict(USERS)
        net = self.rollup.net
        chains = self.rollup.config.chains
        self.primary, self.second = chains[0], chains[1]
        # a deposit on the second chain is withdrawn on the last one (the primary when there are two)
        self.target = chains[-1] if len(chains) > 2 else chains[0]
        self.eth, self.usdc, self.dai = net.token("ETH"), net.token("USDC"), net.token("DAI")

    def _expect(self, chain_name: str, who: str, token: Token, delta: int) -> None:
        chain = self.rollup.net.chain(chain_name)
        before = l1_balance(self.rollup.net, chain, token, self.wallets[who].address)
        self.expectations.append(Expectation(chain_name, who, token.symbol, before, delta))

    def run(self, timeout: float = 300.0) -> None:
        net, client, w = self.rollup.net, self.rollup.client, self.wallets
        eth, usdc, dai = self.eth, self.usdc, self.dai
        p, s, t = self.primary, self.second, self.target
        amount = {
            k: parse_amount(v, tok)
            for k, v, tok in (
                ("a", "2", eth),
                ("d", "1", eth),
                ("b", "0.1", eth),
                ("bd", "300", dai),
                ("c", "100", usdc),
                ("t1", "0.5", eth),
                ("t2", "0.25", eth),
                ("aw", "1", eth),
                ("bw", "100", dai),
            )
        }
        self._expect(t.name, "alice", eth, amount["aw"])
        self._expect(p.name, "bob", dai, amount["bw"])  # minted 300, deposited 300, 100 come back
        self._expect(s.name, "carol", usdc, amount["c"])  # minted 100, deposited 100, all of it exits

        started = time.monotonic()
        self.say(
            f"deposits: alice 2 ETH on {s.name}, dave 1 ETH on {t.name}, "
            f"bob 0.1 ETH + 300 DAI on {p.name}, carol 100 USDC on {s.name}"
        )
        made = [("alice", s, eth, "a", False), ("dave", t, eth, "d", False), ("bob", p, eth, "b", False),
                ("bob", p, dai, "bd", True), ("carol", s, usdc, "c", True)]  # fmt: skip
        requests = [
            (who, chain, tok.format(amount[key]), deposit(net, w[who], chain, tok, amount[key], mint=mint))
            for who, chain, tok, key, mint in made
        ]
        for who, chain, what, serial in requests:
            block = client.wait_request_included(chain.rollup_chain_id, serial, timeout)
            self.say(f"  {who}'s {what} deposit on {chain.name} (request {serial}): in L2 block {block}")
        self.timings["deposits spendable"] = time.monotonic() - started

        bob_eth = own_account(client, w["bob"], eth)["index"]
        alice_eth = own_account(client, w["alice"], eth)["index"]
        carol_usdc = own_account(client, w["carol"], usdc)["index"]
        self.say("transfers on L2: alice -> bob 0.5 ETH, bob -> alice 0.25 ETH")
        hashes = [client.send(sign_transfer(client, w["alice"], eth, bob_eth, amount["t1"]))]
        hashes.append(client.send(sign_transfer(client, w["bob"], eth, alice_eth, amount["t2"])))
        self.say(f"withdrawals: alice 1 ETH to {t.name} (deposited on {s.name}), bob 100 DAI to {p.name}")
        hashes.append(client.send(sign_withdraw(client, w["alice"], eth, t, amount["aw"])))
        hashes.append(client.send(sign_withdraw(client, w["bob"], dai, p, amount["bw"])))
        labels = [
            "alice -> bob 0.5 ETH",
            "bob -> alice 0.25 ETH",
            f"alice's 1 ETH withdrawal to {t.name}",
            f"bob's 100 DAI withdrawal to {p.name}",
        ]
        self.say(f"full exit: carol asks {s.name} for all of her USDC (account {carol_usdc})")
        exit_serial = request_full_exit(net, w["carol"], s, carol_usdc, usdc)
        started = time.monotonic()
        for h, what in zip(hashes, labels, strict=True):
            tx = client.wait_transaction(h, "paid", timeout)
            paid = ", paid" if "withdrawal" in what else ""
            self.say(f"  {what} (block {tx['block']}): executed on every chain{paid}")
        self.timings["withdrawals paid"] = time.monotonic() - started
        exit_block = client.wait_request_included(s.rollup_chain_id, exit_serial, timeout)
        self._wait_block_stage(exit_block, "paid", timeout)
        self.say(f"  carol's full exit (block {exit_block}): 100 USDC paid on {s.name}")
        self.l2_expected = {
            ("alice", "ETH"): amount["a"] - amount["t1"] + amount["t2"] - amount["aw"],
            ("bob", "ETH"): amount["b"] + amount["t1"] - amount["t2"],
            ("bob", "DAI"): amount["bd"] - amount["bw"],
            ("carol", "USDC"): 0,
        }

    def _wait_block_stage(self, number: int, stage: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stages = self.rollup.client.block(number)["stages"]
            if stages and all(stage in s for s in stages.values()):
                return
            time.sleep(0.25)
        raise RollupError(f"block {number} did not reach {stage} everywhere in {timeout:.0f} s")

    def check(self) -> list[str]:
        """Every expectation read back; returns the failures (empty when the story came true)."""
        failures = []
        net, client = self.rollup.net, self.rollup.client
        for e in self.expectations:
            e.after = l1_balance(net, net.chain(e.chain), net.token(e.token), self.wallets[e.who].address)
            if not e.ok:
                failures.append(
                    f"{e.who} on {e.chain}: {e.token} {e.before} -> {e.after}, expected +{e.delta}"
                )
        for (who, symbol), want in self.l2_expected.items():
            got = int(own_account(client, self.wallets[who], net.token(symbol))["balance"])
            if got != want:
                failures.append(f"{who} on L2: {symbol} {got}, expected {want}")
        return failures


class StageMonitor(threading.Thread):
    """Prints each chain's stage counters as they move (what `rollup demo` shows while the story runs)."""

    def __init__(self, client: SequencerClient, say: Say, every_s: float = 0.3) -> None:
        super().__init__(name="stage-monitor", daemon=True)
        self.client, self.say, self.every_s = client, say, every_s
        self.stop = threading.Event()
        self.seen: dict[tuple[str, str], int] = {}

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            try:
                chains = self.client.status()["chains"]
            except RollupError:
                continue
            for chain in chains:
                for stage in ("committed", "proven", "synchronized", "executed"):
                    value = cast(int | None, chain.get(stage))
                    key = (chain["name"], stage)
                    if value is not None and value > self.seen.get(key, 0):
                        first = self.seen.get(key, 0) + 1
                        blocks = f"block {value}" if first == value else f"blocks {first}-{value}"
                        self.say(f"    [{chain['name']}] {blocks} {stage}")
                        self.seen[key] = value
