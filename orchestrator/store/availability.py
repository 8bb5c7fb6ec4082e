"""Validium: the data committee's signatures the sequencer gathered, per block (docs/validium.md).

Kept so that a restart commits what the committee already signed without asking again; a block rebuilt
after a revert is asked again (its row is replaced)."""

from __future__ import annotations

import time

from orchestrator.store.db import Database

AVAILABILITY_TABLE = """
CREATE TABLE availability (
    block INTEGER PRIMARY KEY,
    data_hash BLOB NOT NULL,
    signatures BLOB NOT NULL,
    signers TEXT NOT NULL,
    signed_at REAL NOT NULL
);
"""


class AvailabilityRecords:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, block: int, data_hash: bytes, signatures: bytes, signers: list[str]) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO availability (block, data_hash, signatures, signers, signed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (block, data_hash, signatures, ",".join(signers), time.time()),
            )

    def all(self) -> list[tuple[int, bytes, bytes]]:
        """(block, data hash, signatures), by block."""
        rows = self.db.query("SELECT block, data_hash, signatures FROM availability ORDER BY block")
        return [(int(r["block"]), bytes(r["data_hash"]), bytes(r["signatures"])) for r in rows]
