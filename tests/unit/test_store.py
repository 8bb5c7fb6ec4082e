"""The sequencer's SQLite store: migrations move an older store forward keeping its rows, a store newer
than the code is refused with one clear error, and a block's row comes back as it went in."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from orchestrator.store.db import StoreError
from orchestrator.store.sequencer import MIGRATIONS, SequencerStore, StoredBlock

BODY: dict[str, Any] = {"ops": [], "transfers": []}


def test_block_round_trip(tmp_path: Path) -> None:
    store = SequencerStore(tmp_path / "sequencer.db")
    try:
        block = StoredBlock(1, 1700000000, BODY, 12345, 1700000000.5, 0.042)
        store.add_block(block, [], [])
        assert store.block(1) == block
        assert store.last_block() == 1
    finally:
        store.close()


def test_version_1_store_is_migrated_keeping_its_blocks(tmp_path: Path) -> None:
    path = tmp_path / "sequencer.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + ";\nPRAGMA user_version = 1;")
    conn.execute("INSERT INTO blocks VALUES (1, 1700000000, '{\"ops\": [], \"transfers\": []}', '7', 1.0)")
    conn.commit()
    conn.close()
    store = SequencerStore(path)
    try:
        assert store.block(1) == StoredBlock(1, 1700000000, BODY, 7, 1.0, None)
        version = store.db.query("PRAGMA user_version")[0][0]
        assert version == len(MIGRATIONS)
    finally:
        store.close()


def test_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sequencer.db"
    SequencerStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="upgrade the orchestrator or start from a fresh home"):
        SequencerStore(path)
