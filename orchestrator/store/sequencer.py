"""The sequencer's store: its blocks (replayed into the L2 state on restart), their proofs, when each
chain reached each stage, the L2 transactions it accepted and the priority requests it observed.

The chains hold the truth about stages; this file holds what the chains cannot give back: the L2
transactions and the order the sequencer put them in. A block is written here before any chain sees it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.store.availability import AVAILABILITY_TABLE, AvailabilityRecords
from orchestrator.store.cursors import CURSORS_TABLE, Cursors
from orchestrator.store.db import Database
from orchestrator.store.payouts import PAYOUTS_TABLE, Payouts
from orchestrator.store.sent import SENT_TXS_TABLE

MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE blocks (
        number INTEGER PRIMARY KEY,
        timestamp INTEGER NOT NULL,
        body TEXT NOT NULL,
        new_root TEXT NOT NULL,
        built_at REAL NOT NULL
    );
    CREATE TABLE proofs (
        block INTEGER PRIMARY KEY REFERENCES blocks(number),
        proof TEXT NOT NULL,
        seconds REAL NOT NULL
    );
    CREATE TABLE stage_marks (
        block INTEGER NOT NULL,
        chain INTEGER NOT NULL,
        stage TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (block, chain, stage)
    );
    CREATE TABLE l2_txs (
        hash TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        block INTEGER,
        error TEXT,
        received_at REAL NOT NULL
    );
    CREATE INDEX l2_txs_status ON l2_txs (status, seq);
    CREATE TABLE priority_requests (
        chain INTEGER NOT NULL,
        serial INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        l1_block INTEGER NOT NULL,
        l1_tx TEXT NOT NULL,
        status TEXT NOT NULL,
        block INTEGER,
        seen_at REAL NOT NULL,
        PRIMARY KEY (chain, serial)
    );
    """
    + CURSORS_TABLE
    + SENT_TXS_TABLE,
    # 2: how long building each block took (the state transition, its root, every slot's proof, retries
    # after a slot a pending transaction no longer fits, and the mempool's rebase)
    "ALTER TABLE blocks ADD COLUMN build_seconds REAL",
    # 3: one row per payout the sequencer pushes, each retried on its own (orchestrator/store/payouts.py)
    PAYOUTS_TABLE,
    # 4: why the L2 state refused a priority request (status "refused"; a full state tree, say)
    "ALTER TABLE priority_requests ADD COLUMN error TEXT",
    # 5: Validium: the data committee's signatures per block (orchestrator/store/availability.py)
    AVAILABILITY_TABLE,
)

# L2 transaction and priority request statuses
PENDING, INCLUDED, DROPPED = "pending", "included", "dropped"
QUEUED, REFUSED = "queued", "refused"


@dataclass(frozen=True)
class StoredL2Tx:
    hash: str
    seq: int
    kind: str  # "transfer" | "withdraw"
    body: dict[str, Any]
    status: str
    block: int | None
    error: str | None
    received_at: float


@dataclass(frozen=True)
class StoredRequest:
    chain: int
    serial: int
    kind: str  # "deposit" | "full_exit"
    body: dict[str, Any]
    l1_block: int
    l1_tx: str
    status: str
    block: int | None
    seen_at: float


@dataclass(frozen=True)
class StoredBlock:
    number: int
    timestamp: int
    body: dict[str, Any]
    new_root: int
    built_at: float
    build_seconds: float | None = None  # None for blocks built before schema version 2


class SequencerStore:
    def __init__(self, path: Path) -> None:
        self.db = Database(path, MIGRATIONS, kind="sequencer")
        self.cursors = Cursors(self.db)
        self.payouts = Payouts(self.db)
        self.availability = AvailabilityRecords(self.db)

    def close(self) -> None:
        self.db.close()

    # -- blocks ----------------------------------------------------------------------------------------

    def add_block(
        self,
        block: StoredBlock,
        tx_hashes: Iterable[str],
        requests: Iterable[tuple[int, int]],
        dropped: Iterable[tuple[str, str]] = (),
    ) -> None:
        """The built block, its L2 transactions and requests marked included, and the transactions it
        dropped: all in one transaction, so a crash leaves either the whole block or none of it."""
        with self.db.write() as c:
            c.execute(
                "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)",
                (
                    block.number,
                    block.timestamp,
                    json.dumps(block.body),
                    str(block.new_root),
                    block.built_at,
                    block.build_seconds,
                ),
            )
            for h in tx_hashes:
                c.execute(
                    "UPDATE l2_txs SET status = ?, block = ? WHERE hash = ?", (INCLUDED, block.number, h)
                )
            for chain, serial in requests:
                c.execute(
                    "UPDATE priority_requests SET status = ?, block = ? WHERE chain = ? AND serial = ?",
                    (INCLUDED, block.number, chain, serial),
                )
            for h, reason in dropped:
                c.execute("UPDATE l2_txs SET status = ?, error = ? WHERE hash = ?", (DROPPED, reason, h))

    def blocks(self) -> list[StoredBlock]:
        return [_block(r) for r in self.db.query("SELECT * FROM blocks ORDER BY number")]

    def block(self, number: int) -> StoredBlock | None:
        rows = self.db.query("SELECT * FROM blocks WHERE number = ?", (number,))
        return _block(rows[0]) if rows else None

    def last_block(self) -> int:
        return int(self.db.query("SELECT COALESCE(MAX(number), 0) FROM blocks")[0][0])

    def save_proof(self, block: int, proof: dict[str, Any], seconds: float) -> None:
        with self.db.write() as c:
            c.execute("INSERT OR REPLACE INTO proofs VALUES (?, ?, ?)", (block, json.dumps(proof), seconds))

    def proof(self, block: int) -> dict[str, Any] | None:
        rows = self.db.query("SELECT proof FROM proofs WHERE block = ?", (block,))
        return json.loads(rows[0]["proof"]) if rows else None

    def proof_seconds(self, block: int) -> float | None:
        """How long block `block`'s proof took, once stored."""
        rows = self.db.query("SELECT seconds FROM proofs WHERE block = ?", (block,))
        return float(rows[0]["seconds"]) if rows else None

    def prove_seconds(self) -> dict[int, float]:
        return {r["block"]: r["seconds"] for r in self.db.query("SELECT block, seconds FROM proofs")}

    def unproven(self) -> int:
        """How many built blocks have no stored proof yet (the prover's queue)."""
        rows = self.db.query("SELECT COUNT(*) FROM blocks WHERE number NOT IN (SELECT block FROM proofs)")
        return int(rows[0][0])

    def built_times(self, numbers: Iterable[int]) -> dict[int, float]:
        """When each of these blocks was built (time.time())."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        rows = self.db.query(
            "SELECT number, built_at FROM blocks WHERE number BETWEEN ? AND ?", (wanted[0], wanted[-1])
        )
        return {r["number"]: r["built_at"] for r in rows if r["number"] in wanted}

    # -- stage marks: when the daemon first saw a chain's counter pass a block ------------------------

    def mark_stages(
        self, marks: Iterable[tuple[int, int, str]], at: float | None = None
    ) -> list[tuple[int, int, str]]:
        """Store the marks not stored yet; returns those (a restart sees every block pass again)."""
        now = time.time() if at is None else at
        new = []
        with self.db.write() as c:
            for mark in marks:
                if c.execute("INSERT OR IGNORE INTO stage_marks VALUES (?, ?, ?, ?)", (*mark, now)).rowcount:
                    new.append(mark)
        return new

    def stage_marks(self, block: int | None = None) -> dict[tuple[int, int, str], float]:
        """Every mark, or the marks of one block."""
        where, args = ("WHERE block = ?", (block,)) if block is not None else ("", ())
        rows = self.db.query(f"SELECT * FROM stage_marks {where}", args)
        return {(r["block"], r["chain"], r["stage"]): r["at"] for r in rows}

    def last_marked(self, chain: int, stage: str) -> int:
        rows = self.db.query(
            "SELECT COALESCE(MAX(block), 0) FROM stage_marks WHERE chain = ? AND stage = ?", (chain, stage)
        )
        return int(rows[0][0])

    # -- L2 transactions -------------------------------------------------------------------------------

    def add_l2_tx(self, tx_hash: str, kind: str, body: dict[str, Any]) -> None:
        with self.db.write() as c:
            seq = int(c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM l2_txs").fetchone()[0])
            c.execute(
                "INSERT INTO l2_txs VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)",
                (tx_hash, seq, kind, json.dumps(body), PENDING, time.time()),
            )

    def drop_l2_txs(self, dropped: Iterable[tuple[str, str]]) -> None:
        with self.db.write() as c:
            c.executemany(
                "UPDATE l2_txs SET status = ?, error = ? WHERE hash = ?",
                [(DROPPED, r, h) for h, r in dropped],
            )

    def l2_tx(self, tx_hash: str) -> StoredL2Tx | None:
        rows = self.db.query("SELECT * FROM l2_txs WHERE hash = ?", (tx_hash,))
        return _l2_tx(rows[0]) if rows else None

    def pending_l2_txs(self) -> list[StoredL2Tx]:
        rows = self.db.query("SELECT * FROM l2_txs WHERE status = ? ORDER BY seq", (PENDING,))
        return [_l2_tx(r) for r in rows]

    def l2_txs_of_block(self, block: int) -> list[StoredL2Tx]:
        rows = self.db.query("SELECT * FROM l2_txs WHERE block = ? ORDER BY seq", (block,))
        return [_l2_tx(r) for r in rows]

    # -- priority requests -----------------------------------------------------------------------------

    def add_requests(self, requests: Iterable[StoredRequest]) -> None:
        with self.db.write() as c:
            c.executemany(
                "INSERT OR IGNORE INTO priority_requests VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                [
                    (r.chain, r.serial, r.kind, json.dumps(r.body), r.l1_block, r.l1_tx, QUEUED, r.seen_at)
                    for r in requests
                ],
            )

    def queued_requests(self) -> list[StoredRequest]:
        """Observed, not yet in a block: in the order they were seen, each chain's by serial."""
        rows = self.db.query(
            "SELECT * FROM priority_requests WHERE status = ? ORDER BY seen_at, chain, serial", (QUEUED,)
        )
        return [_request(r) for r in rows]

    def refuse_request(self, chain: int, serial: int, error: str) -> None:
        """The L2 state cannot take this request (docs/daemons.md): it stays out of blocks, and so does
        everything after it in its chain's queue, which only exodus then settles (refunds included)."""
        with self.db.write() as c:
            c.execute(
                "UPDATE priority_requests SET status = ?, error = ? WHERE chain = ? AND serial = ?",
                (REFUSED, error, chain, serial),
            )

    def refused_requests(self) -> list[tuple[StoredRequest, str]]:
        rows = self.db.query(
            "SELECT * FROM priority_requests WHERE status = ? ORDER BY chain, serial", (REFUSED,)
        )
        return [(_request(r), str(r["error"])) for r in rows]

    def request(self, chain: int, serial: int) -> StoredRequest | None:
        rows = self.db.query(
            "SELECT * FROM priority_requests WHERE chain = ? AND serial = ?", (chain, serial)
        )
        return _request(rows[0]) if rows else None

    def requests(self) -> list[StoredRequest]:
        return [_request(r) for r in self.db.query("SELECT * FROM priority_requests ORDER BY chain, serial")]

    def forget_queued_from(self, chain: int, l1_block: int) -> int:
        """A reorg replaced L1 blocks from `l1_block` on: forget the requests seen there and not yet in an
        L2 block (the watcher reads them again from the new chain). Returns how many."""
        with self.db.write() as c:
            cur = c.execute(
                "DELETE FROM priority_requests WHERE chain = ? AND l1_block >= ? AND status = ?",
                (chain, l1_block, QUEUED),
            )
            return int(cur.rowcount)


def _block(r: Any) -> StoredBlock:
    body = json.loads(r["body"])
    return StoredBlock(
        r["number"], r["timestamp"], body, int(r["new_root"]), r["built_at"], r["build_seconds"]
    )


def _l2_tx(r: Any) -> StoredL2Tx:
    return StoredL2Tx(
        r["hash"],
        r["seq"],
        r["kind"],
        json.loads(r["body"]),
        r["status"],
        r["block"],
        r["error"],
        r["received_at"],
    )


def _request(r: Any) -> StoredRequest:
    return StoredRequest(
        r["chain"],
        r["serial"],
        r["kind"],
        json.loads(r["body"]),
        r["l1_block"],
        r["l1_tx"],
        r["status"],
        r["block"],
        r["seen_at"],
    )
