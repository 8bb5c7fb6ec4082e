"""The sequencer's SQLite store: migrations move an older store forward keeping its rows, a store newer
than the code is refused with one clear error, and a block's row comes back as it went in."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator.store.db import StoreError
from orchestrator.store.sequencer import MIGRATIONS, SequencerStore, StoredBlock
from tests.helpers import REPO

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


_GROUP_CHILD = """
import os, signal, sys
from pathlib import Path
from orchestrator.store.sequencer import SequencerStore
store = SequencerStore(Path(sys.argv[1]))
with store.db.group():
    for i in range(5):
        store.add_l2_tx(f"0x{i:064x}", "transfer", {"n": i})
print("acknowledged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_group_commit_survives_kill_9_once_it_returned(tmp_path: Path) -> None:
    """What a JSON-RPC batch acknowledged (after its group committed) is there after a kill -9."""
    path = tmp_path / "seq.db"
    child = subprocess.run(
        [sys.executable, "-c", _GROUP_CHILD, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -signal.SIGKILL and child.stdout == "acknowledged\n"
    store = SequencerStore(path)
    assert [t.hash for t in store.pending_l2_txs()] == [f"0x{i:064x}" for i in range(5)]


def test_a_group_keeps_what_succeeded_and_drops_what_failed(tmp_path: Path) -> None:
    store = SequencerStore(tmp_path / "seq.db")
    with store.db.group():
        store.add_l2_tx("0x01", "transfer", {"n": 1})
        with pytest.raises(sqlite3.IntegrityError):
            store.add_l2_tx("0x01", "transfer", {"n": 1})  # the same hash twice: only this write fails
        store.add_l2_tx("0x02", "transfer", {"n": 2})
    assert [t.hash for t in store.pending_l2_txs()] == ["0x01", "0x02"]
    with pytest.raises(RuntimeError), store.db.group():
        store.add_l2_tx("0x03", "transfer", {"n": 3})
        raise RuntimeError("the batch failed before it committed")
    assert [t.hash for t in store.pending_l2_txs()] == ["0x01", "0x02"]
