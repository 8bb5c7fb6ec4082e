"""Live progress while a user waits (`--wait`): each stage as it is reached on each chain involved, with the
time elapsed, until the operation is done (a deposit spendable, a withdrawal or full exit paid).

Each event is one line, so the output reads the same in a terminal and in a log. A sequencer that stops
answering while the user waits is said once; the wait goes on until the timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from orchestrator.errors import RollupError
from orchestrator.jsonrpc.client import RpcUnavailable
from orchestrator.wallet.client import SequencerClient

Say = Callable[[str], None]
STAGES = ("committed", "proven", "synchronized", "executed")
POLL_S = 0.25


class WaitTimeout(RollupError):
    """The operation did not get where the user waited for in time (it may still get there)."""


class Watch:
    """Polls the sequencer and prints what changed since the last poll."""

    def __init__(self, client: SequencerClient, say: Say, chains: list[str], timeout: float) -> None:
        self.client, self.say, self.chains = client, say, chains
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.seen: set[tuple[str, str]] = set()
        self.silent = False
        self.payout_attempts = 0

    def line(self, text: str) -> None:
        self.say(f"  {time.monotonic() - self.started:6.1f} s  {text}")

    def poll(self, fetch: Callable[[], Any]) -> Any:
        """`fetch()` once the sequencer answers; None while it does not (said once)."""
        try:
            found = fetch()
        except RpcUnavailable:
            if not self.silent:
                self.line("the sequencer does not answer; still waiting (it resumes where it was)")
                self.silent = True
            return None
        if self.silent:
            self.line("the sequencer answers again")
            self.silent = False
        return found

    def sleep(self, what: str) -> None:
        if time.monotonic() > self.deadline:
            raise WaitTimeout(
                f"{what} after {time.monotonic() - self.started:.0f} s; it may still happen: "
                "`rollup status` shows where every chain is"
            )
        time.sleep(POLL_S)

    def stages(self, block: int, reached: dict[str, list[str]]) -> None:
        """One line per stage newly reached on a chain involved, in stage order."""
        for chain in self.chains:
            for stage in STAGES:
                if stage in reached.get(chain, []) and (chain, stage) not in self.seen:
                    self.seen.add((chain, stage))
                    self.line(f"block {block} {stage} on {chain}")

    def payout(self, payout: dict[str, Any] | None, chain: str) -> bool:
        """True once the payout is paid (or was claimed); a failed attempt is said once per attempt."""
        if payout is None:
            return False
        if payout["status"] in ("paid", "settled"):
            how = "paid" if payout["status"] == "paid" else "claimed (the pending balance was already taken)"
            self.line(f"{how} on {chain}" + (f" (tx {payout['tx']})" if payout.get("tx") else ""))
            return True
        if payout["attempts"] > self.payout_attempts:
            self.payout_attempts = payout["attempts"]
            self.line(f"payout on {chain} failed (attempt {payout['attempts']}): {payout['error']}; retrying")
        return False


def wait_included(client: SequencerClient, watch: Watch, chain_id: int, serial: int) -> dict[str, Any]:
    """Wait until the sequencer put priority request (chain, serial) in a block; the request."""
    said_seen = False
    while True:
        found = watch.poll(lambda: client.priority_request(chain_id, serial))
        if found is not None:
            if not said_seen:
                watch.line(f"seen by the sequencer (priority request {serial})")
                said_seen = True
            if found["block"] is not None:
                return dict(found)
        watch.sleep(f"priority request {serial} is not in an L2 block yet")


def wait_request_paid(
    client: SequencerClient, watch: Watch, chain_id: int, serial: int, chain: str
) -> dict[str, Any]:
    """A full exit: wait until its block is executed everywhere involved and its payout is made."""
    request = wait_included(client, watch, chain_id, serial)
    block = int(request["block"])
    watch.line(f"in L2 block {block}")
    while True:
        found = watch.poll(lambda: client.priority_request(chain_id, serial))
        if found is not None:
            watch.stages(block, found.get("stages", {}))
            if watch.payout(found.get("payout"), chain):
                return dict(found)
            if _nothing_to_pay(found, chain):
                watch.line(f"executed on {chain}: the exit paid nothing (the account held no such balance)")
                return dict(found)
        watch.sleep(f"the full exit in block {block} is not paid yet")


def _nothing_to_pay(found: dict[str, Any], chain: str) -> bool:
    return found.get("payout") is None and "paid" in found.get("stages", {}).get(chain, [])


def wait_transaction_paid(client: SequencerClient, watch: Watch, tx_hash: str, chain: str) -> dict[str, Any]:
    """A withdrawal: wait until it is in a block, that block is executed everywhere involved, and the
    payout is made on `chain`."""
    block: int | None = None
    while True:
        tx = watch.poll(lambda: client.transaction(tx_hash))
        if tx is not None:
            if tx["status"] == "dropped":
                raise RollupError(f"the sequencer dropped the withdrawal: {tx['error']}")
            if tx["block"] is not None:
                if block is None:
                    block = int(tx["block"])
                    watch.line(f"in L2 block {block}")
                watch.stages(block, tx.get("stages", {}))
                if watch.payout(tx.get("payout"), chain):
                    return dict(tx)
        watch.sleep("the withdrawal is not paid yet" if block else "the withdrawal is not in a block yet")
