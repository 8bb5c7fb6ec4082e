"""Watching one chain's priority queue (`PriorityRequestQueued`) a confirmation depth behind its head.

After a reorg below the depth the scanner rewinds; the requests seen there that no L2 block took yet are
forgotten and read again from the new chain.
"""

from __future__ import annotations

import logging
import time

from orchestrator.chain.handle import Chain
from orchestrator.chain.logscan import LogScanner
from orchestrator.l2.wire import request_to_json
from orchestrator.settlement.requests import request_from_event
from orchestrator.store.sequencer import QUEUED, SequencerStore, StoredRequest

log = logging.getLogger("sequencer")


class RequestWatcher:
    def __init__(self, chain: Chain, store: SequencerStore, confirmations: int | None) -> None:
        self.chain = chain
        self.store = store
        self.scanner = LogScanner(
            chain.w3,
            chain.rollup.events.PriorityRequestQueued,
            store.cursors,
            f"requests:{chain.id}",
            confirmations,
            chain.deploy_block,
        )

    def poll(self) -> int:
        """Store the requests of newly confirmed L1 blocks; returns how many were read."""
        scan = self.scanner.scan()
        if scan.rewound_from is not None:
            dropped = self.store.forget_queued_from(self.chain.id, scan.rewound_from)
            log.warning("%s: %d queued requests forgotten after a reorg", self.chain.name, dropped)
        now = time.time()
        found = []
        for entry in scan.logs:
            body = request_to_json(request_from_event(self.chain.id, entry["args"]))
            found.append(
                StoredRequest(
                    self.chain.id,
                    int(body["serial"]),
                    str(body["type"]),
                    body,
                    int(entry["blockNumber"]),
                    "0x" + bytes(entry["transactionHash"]).hex(),
                    QUEUED,
                    None,
                    now,
                )
            )
        self.store.add_requests(found)  # a crash before the cursor moves only means reading them again
        self.scanner.advance()
        return len(found)
