"""Log cursors: the last L1 block a scanner read on one chain, and that block's hash (to notice reorgs)."""

from __future__ import annotations

from orchestrator.store.db import Database

CURSORS_TABLE = """
    CREATE TABLE cursors (
        name TEXT PRIMARY KEY,
        block INTEGER NOT NULL,
        block_hash TEXT NOT NULL
    );
"""


class Cursors:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> tuple[int, str] | None:
        rows = self.db.query("SELECT block, block_hash FROM cursors WHERE name = ?", (name,))
        return (int(rows[0]["block"]), str(rows[0]["block_hash"])) if rows else None

    def set(self, name: str, block: int, block_hash: str) -> None:
        with self.db.write() as c:
            c.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)", (name, block, block_hash))
