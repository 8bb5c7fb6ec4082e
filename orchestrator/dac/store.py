"""A committee member's store: the L2 sections it holds, by data hash, and the signatures it gave.

A section is committed to disk (SQLite, synchronous=FULL) before the member signs for it, so a member
that signed still holds the data after kill -9: the promise its signature makes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from orchestrator.store.db import Database

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE sections (
        data_hash TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        stored_at REAL NOT NULL
    );
    CREATE TABLE signatures (
        block_number INTEGER NOT NULL,
        data_hash TEXT NOT NULL REFERENCES sections (data_hash),
        signature TEXT NOT NULL,
        signed_at REAL NOT NULL,
        PRIMARY KEY (block_number, data_hash)
    );
    """,
)


class MemberStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS, kind="committee member")

    def put(self, data_hash: bytes, data: bytes) -> None:
        """Keep `data` under its hash (idempotent); durable when this returns."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO sections (data_hash, data, stored_at) VALUES (?, ?, ?)",
                (data_hash.hex(), data, time.time()),
            )

    def get(self, data_hash: bytes) -> bytes | None:
        rows = self.db.query("SELECT data FROM sections WHERE data_hash = ?", (data_hash.hex(),))
        return bytes(rows[0]["data"]) if rows else None

    def record_signature(self, block_number: int, data_hash: bytes, signature: bytes) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO signatures (block_number, data_hash, signature, signed_at) "
                "VALUES (?, ?, ?, ?)",
                (block_number, data_hash.hex(), signature.hex(), time.time()),
            )

    def counts(self) -> tuple[int, int]:
        """(sections held, signatures given)."""
        sections = int(self.db.query("SELECT COUNT(*) AS n FROM sections")[0]["n"])
        signed = int(self.db.query("SELECT COUNT(*) AS n FROM signatures")[0]["n"])
        return sections, signed

    def close(self) -> None:
        self.db.close()
