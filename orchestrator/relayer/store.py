"""The relayer's store: every message it saw, whether and how it was delivered, and its log cursors.

Delivery status here is a cache of the destination's `delivered` bit, which stays the truth: a message
is marked delivered only after the destination says so (or refused it as already delivered).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.messaging.attest import Message
from orchestrator.store.backoff import retry_delay
from orchestrator.store.cursors import CURSORS_TABLE, Cursors
from orchestrator.store.db import Database
from orchestrator.store.sent import SENT_TXS_TABLE

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE messages (
        source INTEGER NOT NULL,
        nonce INTEGER NOT NULL,
        destination INTEGER NOT NULL,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        payload TEXT NOT NULL,
        l1_block INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        tx_hash TEXT,
        seen_at REAL NOT NULL,
        delivered_at REAL,
        PRIMARY KEY (source, nonce)
    );
    """
    + CURSORS_TABLE
    + SENT_TXS_TABLE,
    # A failed delivery is retried with a growing delay, and given up after MAX_ATTEMPTS (issue 14).
    "ALTER TABLE messages ADD COLUMN next_attempt_at REAL NOT NULL DEFAULT 0;",
)

WAITING, DELIVERED, GAVE_UP = "waiting", "delivered", "gave up"
MAX_ATTEMPTS = 8
"""Failed deliveries before the relayer stops trying a message (`rollup status` lists it). With the
delays of orchestrator/store/backoff.py, the last try comes about 4 minutes after the first."""


@dataclass(frozen=True)
class StoredMessage:
    message: Message
    l1_block: int
    status: str
    attempts: int
    last_error: str | None
    tx_hash: str | None
    seen_at: float
    delivered_at: float | None
    next_attempt_at: float = 0.0


class RelayerStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS, kind="relayer")
        self.cursors = Cursors(self.db)

    def close(self) -> None:
        self.db.close()

    def add_messages(self, messages: Iterable[tuple[Message, int]]) -> None:
        now = time.time()
        with self.db.write() as c:
            c.executemany(
                "INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?, NULL, 0)",
                [
                    (
                        m.source_chain_id,
                        m.nonce,
                        m.destination_chain_id,
                        m.sender,
                        m.recipient,
                        "0x" + m.payload.hex(),
                        block,
                        WAITING,
                        now,
                    )
                    for m, block in messages
                ],
            )

    def forget_waiting_from(self, source: int, l1_block: int) -> int:
        with self.db.write() as c:
            cur = c.execute(
                "DELETE FROM messages WHERE source = ? AND l1_block >= ? AND status = ?",
                (source, l1_block, WAITING),
            )
            return int(cur.rowcount)

    def waiting(self) -> list[StoredMessage]:
        """Every message not delivered and not given up, due or not."""
        return self._select("WHERE status = ? ORDER BY seen_at, source, nonce", (WAITING,))

    def due(self, now: float | None = None) -> list[StoredMessage]:
        """The waiting messages whose next try is due."""
        at = time.time() if now is None else now
        return self._select(
            "WHERE status = ? AND next_attempt_at <= ? ORDER BY seen_at, source, nonce", (WAITING, at)
        )

    def given_up(self) -> list[StoredMessage]:
        return self._select("WHERE status = ? ORDER BY seen_at, source, nonce", (GAVE_UP,))

    def messages(self) -> list[StoredMessage]:
        return self._select("ORDER BY seen_at, source, nonce", ())

    def counts(self) -> dict[tuple[str, int], int]:
        """(status, destination EVM chain id) -> how many messages wait or were given up."""
        sql = "SELECT status, destination, COUNT(*) FROM messages WHERE status IN (?, ?) GROUP BY 1, 2"
        rows = self.db.query(sql, (WAITING, GAVE_UP))
        return {(str(r[0]), int(r[1])): int(r[2]) for r in rows}

    def delivered(self, message: Message, tx_hash: str | None) -> None:
        with self.db.write() as c:
            c.execute(
                "UPDATE messages SET status = ?, tx_hash = COALESCE(?, tx_hash), delivered_at = ? "
                "WHERE source = ? AND nonce = ?",
                (DELIVERED, tx_hash, time.time(), message.source_chain_id, message.nonce),
            )

    def retry_given_up(self) -> int:
        """Put every given-up message back in the queue with its attempts reset; how many."""
        with self.db.write() as c:
            cur = c.execute(
                "UPDATE messages SET status = ?, attempts = 0, next_attempt_at = 0 WHERE status = ?",
                (WAITING, GAVE_UP),
            )
            return int(cur.rowcount)

    def failed_attempt(self, message: Message, error: str) -> int:
        """Count a failed delivery: the next try waits `retry_delay`, and after MAX_ATTEMPTS the message is
        given up. The attempts so far."""
        key = (message.source_chain_id, message.nonce)
        with self.db.write() as c:
            [row] = c.execute("SELECT attempts FROM messages WHERE source = ? AND nonce = ?", key).fetchall()
            attempts = int(row[0]) + 1
            status = GAVE_UP if attempts >= MAX_ATTEMPTS else WAITING
            c.execute(
                "UPDATE messages SET attempts = ?, last_error = ?, status = ?, next_attempt_at = ? "
                "WHERE source = ? AND nonce = ?",
                (attempts, error, status, time.time() + retry_delay(attempts - 1), *key),
            )
        return attempts

    def _select(self, where: str, args: tuple[object, ...]) -> list[StoredMessage]:
        rows = self.db.query(f"SELECT * FROM messages {where}", args)
        return [
            StoredMessage(
                Message(
                    r["source"],
                    r["destination"],
                    r["nonce"],
                    r["sender"],
                    r["recipient"],
                    bytes.fromhex(r["payload"][2:]),
                ),
                r["l1_block"],
                r["status"],
                r["attempts"],
                r["last_error"],
                r["tx_hash"],
                r["seen_at"],
                r["delivered_at"],
                r["next_attempt_at"],
            )
            for r in rows
        ]
