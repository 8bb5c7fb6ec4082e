"""The sent-transactions table, shared by every daemon's schema (see orchestrator/chain/sender.py)."""

from __future__ import annotations

SENT_TXS_TABLE = """
    CREATE TABLE sent_txs (
        tx_hash TEXT PRIMARY KEY,
        chain TEXT NOT NULL,
        sender TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        label TEXT NOT NULL,
        raw TEXT NOT NULL,
        status TEXT NOT NULL,
        sent_at REAL NOT NULL,
        mined_block INTEGER,
        gas_used INTEGER
    );
    CREATE INDEX sent_txs_open ON sent_txs (chain, sender, status, nonce)
"""

# statuses: written before broadcast; then mined (status 1), failed (mined, reverted), or replaced (another
# transaction took the nonce: a fee-bumped copy or, after a restart, whatever the chain holds)
SENT, MINED, FAILED, REPLACED = "sent", "mined", "failed", "replaced"
