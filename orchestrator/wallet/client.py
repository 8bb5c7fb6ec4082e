"""Typed calls to the sequencer's JSON-RPC (orchestrator/sequencer/daemon.py lists the methods)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

from orchestrator.errors import RollupError
from orchestrator.jsonrpc import api
from orchestrator.jsonrpc.client import call, call_batch
from orchestrator.l2.wire import L2Tx, l2_tx_to_json


class SequencerClient:
    def __init__(self, url: str) -> None:
        self.url = url

    def chain_info(self) -> api.ChainInfo:
        return cast(api.ChainInfo, call(self.url, api.CHAIN_INFO))

    def domain(self) -> int:
        return int(self.chain_info()["domain"], 16)

    def send(self, tx: L2Tx) -> str:
        sent = cast(api.SentTransaction, call(self.url, api.SEND_TRANSACTION, l2_tx_to_json(tx)))
        return sent["hash"]

    def send_many(self, txs: Sequence[L2Tx]) -> list[str | RollupError]:
        """Send `txs` in one JSON-RPC batch (at most the server's 50): each one's hash, or why it was
        refused; the accepted ones are stored together before any answer comes back."""
        answers = call_batch(self.url, api.SEND_TRANSACTION, [[l2_tx_to_json(tx)] for tx in txs])
        return [a if isinstance(a, RollupError) else cast(api.SentTransaction, a)["hash"] for a in answers]

    def send_raw(self, data: Any) -> Any:
        return call(self.url, api.SEND_TRANSACTION, data)

    def account(self, index: int) -> api.AccountInfo:
        return cast(api.AccountInfo, call(self.url, api.GET_ACCOUNT, index))

    def accounts_of(self, address: str) -> list[api.AccountInfo]:
        return cast(list[api.AccountInfo], call(self.url, api.ACCOUNTS_OF, address))

    def transaction(self, tx_hash: str) -> api.TransactionInfo:
        return cast(api.TransactionInfo, call(self.url, api.GET_TRANSACTION, tx_hash))

    def block(self, number: int) -> api.BlockInfo:
        return cast(api.BlockInfo, call(self.url, api.GET_BLOCK, number))

    def priority_request(self, chain: int, serial: int) -> api.RequestInfo | None:
        return cast(api.RequestInfo | None, call(self.url, api.GET_PRIORITY_REQUEST, chain, serial))

    def status(self) -> api.StatusInfo:
        return cast(api.StatusInfo, call(self.url, api.STATUS))

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
    ) -> api.TransactionInfo:
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

    def wait_block(self, tx_hash: str, stage: str | None = None, timeout: float = 180.0) -> int:
        """The block that took the transaction, once it did (and, with `stage`, reached it everywhere)."""
        block = self.wait_transaction(tx_hash, stage, timeout)["block"]
        assert block is not None  # wait_transaction returns only an included transaction
        return block

    def _everywhere(self, tx: api.TransactionInfo, stage: str) -> bool:
        stages = tx.get("stages", {})
        return bool(stages) and all(stage in reached for reached in stages.values())
