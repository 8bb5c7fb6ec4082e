"""Typed calls to the sequencer's JSON-RPC (orchestrator/sequencer/daemon.py lists the methods)."""

from __future__ import annotations

import time
from typing import Any

from orchestrator.errors import RollupError
from orchestrator.jsonrpc.client import call
from orchestrator.l2.wire import L2Tx, l2_tx_to_json


class SequencerClient:
    def __init__(self, url: str) -> None:
        self.url = url

    def chain_info(self) -> dict[str, Any]:
        return dict(call(self.url, "rollup_chainInfo"))

    def domain(self) -> int:
        return int(self.chain_info()["domain"], 16)

    def send(self, tx: L2Tx) -> str:
        return str(call(self.url, "rollup_sendTransaction", l2_tx_to_json(tx))["hash"])

    def send_raw(self, data: Any) -> Any:
        return call(self.url, "rollup_sendTransaction", data)

    def account(self, index: int) -> dict[str, Any]:
        return dict(call(self.url, "rollup_getAccount", index))

    def accounts_of(self, address: str) -> list[dict[str, Any]]:
        return list(call(self.url, "rollup_accountsOf", address))

    def transaction(self, tx_hash: str) -> dict[str, Any]:
        return dict(call(self.url, "rollup_getTransaction", tx_hash))

    def block(self, number: int) -> dict[str, Any]:
        return dict(call(self.url, "rollup_getBlock", number))

    def priority_request(self, chain: int, serial: int) -> dict[str, Any] | None:
        found = call(self.url, "rollup_getPriorityRequest", chain, serial)
        return None if found is None else dict(found)

    def status(self) -> dict[str, Any]:
        return dict(call(self.url, "rollup_status"))

    def wait_request_included(self, chain: int, serial: int, timeout: float = 120.0) -> int:
        """The L2 block that took priority request (chain, serial): from then on the deposit is spendable."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.priority_request(chain, serial)
            if found is not None and found["block"] is not None:
                return int(found["block"])
            time.sleep(0.2)
        raise RollupError(f"priority request {serial} of chain {chain} not in a block after {timeout:.0f} s")

    def wait_transaction(
        self, tx_hash: str, stage: str | None = None, timeout: float = 180.0
    ) -> dict[str, Any]:
        """Wait until the transaction is in a block (and, with `stage`, that block reached it everywhere)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tx = self.transaction(tx_hash)
            if tx["status"] == "dropped":
                raise RollupError(f"transaction {tx_hash} was dropped: {tx['error']}")
            if tx["block"] is not None and (stage is None or self._everywhere(tx, stage)):
                return tx
            time.sleep(0.25)
        raise RollupError(f"transaction {tx_hash} did not reach {stage or 'a block'} in {timeout:.0f} s")

    def _everywhere(self, tx: dict[str, Any], stage: str) -> bool:
        stages: dict[str, list[str]] = tx.get("stages", {})
        return bool(stages) and all(stage in reached for reached in stages.values())
