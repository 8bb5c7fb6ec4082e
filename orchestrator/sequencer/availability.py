"""Validium: before the primary can commit a block, M committee members must hold its L2 section and sign
for it (docs/validium.md). Each round asks the committee for the next blocks in order, keeps what it
gathered in the store, and hands it to the ledger; with too few signatures it waits and says why."""

from __future__ import annotations

import hashlib
import logging

from orchestrator.dac.client import CommitteeClient
from orchestrator.settlement.ledger import SettlementLedger
from orchestrator.store.availability import AvailabilityRecords

log = logging.getLogger("sequencer")


class AvailabilityGatherer:
    def __init__(
        self, client: CommitteeClient, records: AvailabilityRecords, ledger: SettlementLedger
    ) -> None:
        self.client = client
        self.records = records
        self.ledger = ledger
        self.waiting: str | None = None  # why the next block is not available yet (`rollup status`)

    def restore(self) -> None:
        """After the replay: what the committee signed in an earlier run, for blocks rebuilt the same."""
        for number, data_hash, signatures in self.records.all():
            if number > self.ledger.last_block:
                continue
            if hashlib.sha256(self.ledger.block(number).l2_section).digest() == data_hash:
                self.ledger.set_availability(number, signatures)

    def step(self, committed: int) -> None:
        """Ask for every block after the primary's `committed` one that has no signatures yet, in order,
        until one gets fewer than the threshold."""
        number = self.ledger.committable_up_to(committed) + 1
        while number <= self.ledger.last_block:
            section = self.ledger.block(number).l2_section
            gathered = self.client.gather(number, section)
            if gathered.signatures is None:
                problems = "; ".join(f"{name}: {why}" for name, why in gathered.problems.items())
                waiting = (
                    f"block {number} waits for the data committee: {len(gathered.signers)} of "
                    f"{self.client.committee.threshold} signatures ({problems})"
                )
                if waiting != self.waiting:
                    log.warning("%s", waiting)
                self.waiting = waiting
                return
            data_hash = hashlib.sha256(section).digest()
            self.records.put(number, data_hash, gathered.signatures, gathered.signers)
            self.ledger.set_availability(number, gathered.signatures)
            if gathered.problems:
                log.info("block %d: signed by %s; not by %s", number, gathered.signers, gathered.problems)
            number += 1
        self.waiting = None
