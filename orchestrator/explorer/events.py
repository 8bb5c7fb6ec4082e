"""One chain's rollup and messenger events, read incrementally for the explorer: which L1 transaction took
each L2 block through each stage there, when, and at what gas; and every message sent and delivered.

The chain is the truth: the explorer never trusts a daemon's word for a stage. The contracts' ABIs come
from the deployment's own folder (`<home>/deployments/chain-<id>/artifacts/`, orchestrator/chain/abis.py),
so starting costs no compile. A reorg under what was read (anvil_reorg on a devnet) starts the chain's
index again from its deployment block: cheap on a devnet, and never wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import BlockNotFound

from orchestrator.chain.abis import artifact_file_name
from orchestrator.chain.addresses import ABI_DIR, MESSENGER, ROLLUP
from orchestrator.errors import DeployError
from orchestrator.settlement.messages import kind_name

MAX_RANGE = 5_000  # L1 blocks per log query

# Event -> the stage it marks. BlocksSynchronized names the last block of its range, the others one block.
STAGE_EVENTS = {
    "BlockCommitted": "committed",
    "SecondaryBlockCommitted": "committed",
    "BlockProven": "proven",
    "BlocksSynchronized": "synchronized",
    "BlockExecuted": "executed",
}


@dataclass(frozen=True)
class StageTx:
    """The L1 transaction that took `blocks` through a stage on one chain."""

    tx: str
    l1_block: int
    at: int  # the L1 block's timestamp
    blocks: list[int]  # the L2 blocks this transaction moved through the stage (shared, grows)


@dataclass
class ChainEvents:
    """What one chain's logs said so far."""

    name: str
    w3: Web3
    rollup: Any  # web3 Contract
    messenger: Any
    start: int  # the deployment's first L1 block
    cursor: int = -1  # last L1 block read
    cursor_hash: str = ""
    stages: dict[tuple[int, str], StageTx] = field(default_factory=dict)  # (L2 block, stage)
    reverted: list[tuple[int, int, int]] = field(default_factory=list)  # (from, to, L1 block)
    sent: dict[int, dict[str, Any]] = field(default_factory=dict)  # nonce -> MessageSent
    delivered: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (source EVM id, nonce)
    exodus_at: int | None = None  # L1 block of ExodusActivated
    last_seen: int = 0  # the newest L2 block any stage event named
    _last_synchronized: int = 0
    _together: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _timestamps: dict[int, int] = field(default_factory=dict)
    _gas: dict[str, int] = field(default_factory=dict)

    def refresh(self) -> None:
        """Read the logs since the last call (the head included: the page shows what happens)."""
        if self.cursor >= 0 and self._hash(self.cursor) != self.cursor_hash:
            self._reset()
        head = int(self.w3.eth.block_number)
        while self.cursor < head:
            first = max(self.start, self.cursor + 1)
            last = min(head, first + MAX_RANGE - 1)
            logs = self.w3.eth.get_logs(
                {
                    "address": [self.rollup.address, self.messenger.address],
                    "fromBlock": first,
                    "toBlock": last,
                }
            )
            for log in logs:
                self._take(log)
            self.cursor = last
        if self.cursor >= 0:
            self.cursor_hash = self._hash(self.cursor)

    def gas_of(self, tx: str) -> int:
        if tx not in self._gas:
            self._gas[tx] = int(self.w3.eth.get_transaction_receipt(tx)["gasUsed"])  # type: ignore[arg-type]
        return self._gas[tx]

    def calldata_size(self, tx: str) -> int:
        return len(bytes(self.w3.eth.get_transaction(tx)["input"]))  # type: ignore[arg-type]

    def _reset(self) -> None:
        self.cursor, self.cursor_hash = -1, ""
        self.stages.clear()
        self.reverted.clear()
        self.sent.clear()
        self.delivered.clear()
        self.exodus_at = None
        self._last_synchronized = 0
        self.last_seen = 0
        self._together.clear()

    def _hash(self, number: int) -> str:
        try:
            return "0x" + bytes(self.w3.eth.get_block(number)["hash"]).hex()
        except BlockNotFound:
            return ""

    def _timestamp(self, number: int) -> int:
        if number not in self._timestamps:
            self._timestamps[number] = int(self.w3.eth.get_block(number)["timestamp"])
        return self._timestamps[number]

    def _take(self, log: Any) -> None:
        contract = self.rollup if log["address"] == self.rollup.address else self.messenger
        event = _decode(contract, log)
        if event is None:
            return
        name, args = event
        tx = "0x" + bytes(log["transactionHash"]).hex()
        l1_block = int(log["blockNumber"])
        if name in STAGE_EVENTS:
            self._stage(STAGE_EVENTS[name], int(args["blockNumber"]), tx, l1_block)
        elif name == "BlocksReverted":
            self.reverted.append((int(args["fromBlock"]), int(args["toBlock"]), l1_block))
            for key in [k for k in self.stages if k[0] >= int(args["fromBlock"])]:
                del self.stages[key]
            self._last_synchronized = min(self._last_synchronized, int(args["fromBlock"]) - 1)
            self.last_seen = min(self.last_seen, int(args["fromBlock"]) - 1)
        elif name == "ExodusActivated":
            self.exodus_at = l1_block
        elif name == "MessageSent":
            self.sent[int(args["nonce"])] = {
                "destination": int(args["destinationChainId"]),
                "kind": kind_name(bytes(args["payload"])),  # not the payload: anyone may send one, long
                "tx": tx,
                "at": self._timestamp(l1_block),
            }
        elif name == "MessageDelivered":
            source = (int(args["sourceChainId"]), int(args["nonce"]))
            self.delivered[source] = {"tx": tx, "at": self._timestamp(l1_block)}

    def _stage(self, stage: str, number: int, tx: str, l1_block: int) -> None:
        if stage == "synchronized":  # a range: every block after the last synchronized one up to `number`
            first = self._last_synchronized + 1
            self._last_synchronized = max(self._last_synchronized, number)
            # a secondary holds only the blocks it committed (those with operations of its own)
            blocks = [b for b in range(first, number + 1) if (b, "committed") in self.stages]
        else:
            blocks = [number]
        self.last_seen = max(self.last_seen, number)
        together = self._together.setdefault((tx, stage), [])  # one transaction, several blocks
        for b in blocks:
            self.stages[(b, stage)] = StageTx(tx, l1_block, self._timestamp(l1_block), together)
            together.append(b)


def _decode(contract: Any, log: Any) -> tuple[str, dict[str, Any]] | None:
    topic = "0x" + bytes(log["topics"][0]).hex() if log["topics"] else ""
    event = _events_by_topic(contract).get(topic)
    if event is None:
        return None  # an event of the proxy or of governance: not the explorer's business
    return event.event_name, dict(event.process_log(log)["args"])


def _events_by_topic(contract: Any) -> dict[str, Any]:
    known: dict[str, Any] | None = getattr(contract, "_explorer_topics", None)
    if known is None:
        known = {"0x" + str(e.topic).removeprefix("0x").lower(): e for e in contract.all_events()}
        contract._explorer_topics = known
    return known


def open_chain_events(name: str, w3: Web3, home: Path, evm_chain_id: int, start: int) -> ChainEvents:
    """The chain's rollup and messenger, from the ABIs the deployment wrote beside its address book."""
    folder = home / ABI_DIR / f"chain-{evm_chain_id}" / "artifacts"
    contracts = []
    for key in (ROLLUP, MESSENGER):
        path = folder / artifact_file_name(key)
        try:
            artifact = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DeployError(
                f"{path}: cannot read the deployment's ABI ({exc}); run `rollup deploy`"
            ) from None
        contracts.append(
            w3.eth.contract(address=Web3.to_checksum_address(artifact["address"]), abi=artifact["abi"])
        )
    return ChainEvents(name, w3, contracts[0], contracts[1], start)
