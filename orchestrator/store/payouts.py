"""Payouts the sequencer pushes: one row per (chain, L2 block, owner, token) that an executed block credited.

Each row is tried on its own: a payout that fails (a receiver that refuses ETH, a vault short of funds)
is recorded with its reason and tried again after a growing delay, and never holds up another row. A row
ends `paid` (our transaction moved the pending balance) or `settled` (the pending balance was already
zero: the owner claimed it, or a later row of the same owner and token paid it). When every row of a
block on a chain has ended, the block gets its `paid` stage mark on that chain.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestrator.store.db import Database

PAYOUTS_TABLE = """
    CREATE TABLE payouts (
        chain INTEGER NOT NULL,
        block INTEGER NOT NULL,
        owner TEXT NOT NULL,
        token INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at REAL NOT NULL,
        tx TEXT,
        PRIMARY KEY (chain, block, owner, token)
    );
    CREATE INDEX payouts_due ON payouts (status, next_attempt_at)
"""

WAITING, PAID, SETTLED = "waiting", "paid", "settled"


@dataclass(frozen=True)
class StoredPayout:
    chain: int
    block: int
    owner: str  # checksummed L1 address
    token: int
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: float
    tx: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "block": self.block,
            "owner": self.owner,
            "token": self.token,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.last_error,
            "next_attempt_at": self.next_attempt_at,
            "tx": self.tx,
        }


def _row(r: Any) -> StoredPayout:
    return StoredPayout(
        r["chain"],
        r["block"],
        r["owner"],
        r["token"],
        r["status"],
        r["attempts"],
        r["last_error"],
        r["next_attempt_at"],
        r["tx"],
    )


class Payouts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def queue(self, chain: int, payouts: dict[int, list[tuple[str, int]]], up_to: int) -> None:
        """Rows for the blocks of `chain` executed up to `up_to` (block -> [(owner, token)]), the `paid`
        mark of each block that pays nothing there, and the chain's queue cursor: in one transaction."""
        now = time.time()
        with self.db.write() as c:
            for block, owners in payouts.items():
                if not owners:
                    c.execute(
                        "INSERT OR IGNORE INTO stage_marks VALUES (?, ?, 'paid', ?)", (block, chain, now)
                    )
                c.executemany(
                    "INSERT OR IGNORE INTO payouts (chain, block, owner, token, status, next_attempt_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(chain, block, owner, token, WAITING, now) for owner, token in owners],
                )
            c.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, '')", (self.cursor_name(chain), up_to))

    @staticmethod
    def cursor_name(chain: int) -> str:
        return f"payouts:{chain}"

    def due(self, now: float | None = None, limit: int = 64) -> list[StoredPayout]:
        """Waiting rows whose next attempt is due, oldest first."""
        rows = self.db.query(
            "SELECT * FROM payouts WHERE status = ? AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at, block LIMIT ?",
            (WAITING, time.time() if now is None else now, limit),
        )
        return [_row(r) for r in rows]

    def ended(self, p: StoredPayout, status: str, tx: str | None = None) -> bool:
        """Record that `p` ended (`PAID` or `SETTLED`); mark its block `paid` on its chain when it was the
        block's last waiting row there. True when it was."""
        with self.db.write() as c:
            c.execute(
                "UPDATE payouts SET status = ?, tx = ?, attempts = attempts + ? "
                "WHERE chain = ? AND block = ? AND owner = ? AND token = ?",
                (status, tx, int(status == PAID), p.chain, p.block, p.owner, p.token),
            )
            left = c.execute(
                "SELECT COUNT(*) FROM payouts WHERE chain = ? AND block = ? AND status = ?",
                (p.chain, p.block, WAITING),
            ).fetchone()[0]
            if left == 0:
                mark = (p.block, p.chain, time.time())
                c.execute("INSERT OR IGNORE INTO stage_marks VALUES (?, ?, 'paid', ?)", mark)
            return bool(left == 0)

    def failed(self, p: StoredPayout, error: str, retry_in_s: float) -> None:
        with self.db.write() as c:
            c.execute(
                "UPDATE payouts SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE chain = ? AND block = ? AND owner = ? AND token = ?",
                (error, time.time() + retry_in_s, p.chain, p.block, p.owner, p.token),
            )

    def of_block(self, block: int, chains: Iterable[int] | None = None) -> list[StoredPayout]:
        rows = self.db.query("SELECT * FROM payouts WHERE block = ? ORDER BY chain, owner, token", (block,))
        wanted = None if chains is None else set(chains)
        return [p for p in map(_row, rows) if wanted is None or p.chain in wanted]

    def waiting_counts(self) -> dict[int, int]:
        """chain -> how many of its payouts wait."""
        sql = "SELECT chain, COUNT(*) FROM payouts WHERE status = ? GROUP BY chain"
        rows = self.db.query(sql, (WAITING,))
        return {int(r[0]): int(r[1]) for r in rows}

    def waiting(self) -> list[StoredPayout]:
        rows = self.db.query("SELECT * FROM payouts WHERE status = ? ORDER BY block, chain", (WAITING,))
        return [_row(r) for r in rows]
