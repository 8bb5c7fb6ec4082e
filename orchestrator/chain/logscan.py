"""Reading one contract event's logs a confirmation depth behind the head, resumably, noticing reorgs.

The cursor (last block read, its hash) is persisted by the caller's store. If the block under the cursor
changed its hash, the chain reorganized below the confirmation depth: the scanner rewinds `REWIND` blocks
and reports where from, so the caller forgets what it saw there (what it already acted on cannot be
forgotten, which is why the depth exists).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.exceptions import BlockNotFound, Web3Exception

from orchestrator.errors import DevnetError
from orchestrator.store.cursors import Cursors

log = logging.getLogger(__name__)

MAX_RANGE = 2_000  # L1 blocks per log query
REWIND = 64  # L1 blocks read again after a reorg under the cursor


@dataclass
class Scan:
    logs: list[Any]
    rewound_from: int | None  # a reorg: everything seen from this L1 block on must be read again


def safe_block(w3: Web3, confirmations: int | None) -> int:
    """The newest block that counts as settled: `confirmations` below the head, or the node's finalized
    block when None (DevnetError if the node has no such tag)."""
    if confirmations is not None:
        return int(w3.eth.block_number) - confirmations
    try:
        return int(w3.eth.get_block("finalized")["number"])
    except (BlockNotFound, ValueError, Web3Exception) as exc:
        raise DevnetError(
            f"the node has no finalized block ({exc}); set a confirmation depth for this chain in its "
            "[[chains]] entry"
        ) from None


class LogScanner:
    def __init__(
        self, w3: Web3, event: Any, cursors: Cursors, name: str, confirmations: int | None, start: int
    ) -> None:
        self.w3 = w3
        self.event = event  # e.g. contract.events.MessageSent
        self.cursors = cursors
        self.name = name
        self.confirmations = confirmations
        self.start = start

    def scan(self) -> Scan:
        """Logs of the next confirmed range (possibly none). Call `advance(scan)` once they are stored."""
        cursor = self.cursors.get(self.name)
        start, rewound = self.start, None
        if cursor is not None:
            start = cursor[0] + 1
            if self._hash(cursor[0]) != cursor[1]:
                start = rewound = max(self.start, cursor[0] - REWIND)
                log.warning("%s: reorg under L1 block %d: reading again from %d", self.name, cursor[0], start)
        safe = safe_block(self.w3, self.confirmations)
        self._end = min(safe, start + MAX_RANGE - 1)
        if self._end < start:
            self._end = start - 1
            return Scan([], rewound)
        return Scan(list(self.event().get_logs(from_block=start, to_block=self._end)), rewound)

    def advance(self) -> None:
        """The last scan's logs are stored: move the cursor past its range."""
        if self._end >= self.start:
            self.cursors.set(self.name, self._end, self._hash(self._end))

    def _hash(self, number: int) -> str:
        try:
            return "0x" + bytes(self.w3.eth.get_block(number)["hash"]).hex()
        except BlockNotFound:
            return ""
