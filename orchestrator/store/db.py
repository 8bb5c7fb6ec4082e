"""Opening a daemon's SQLite file and bringing its schema up to date.

Each daemon owns one file. A schema is an ordered list of migrations; `PRAGMA user_version` counts the
ones applied, so opening an older file applies only the missing ones, each in its own transaction. WAL
mode lets `rollup status` read while the daemon writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from orchestrator.errors import RollupError


class StoreError(RollupError):
    """A daemon's store cannot be opened, is newer than this code, or is inconsistent with the chains."""


class Database:
    """One SQLite connection shared by a daemon's threads; `write()` is one serialized transaction."""

    def __init__(self, path: Path, migrations: Sequence[str], *, kind: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the {kind} store {path}: {exc}") from None
        self.conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._grouped = False  # inside group(): read only by the thread holding _lock
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # a committed row survives kill -9 and power loss
        try:
            self._migrate(migrations, kind)
        except BaseException:
            self.conn.close()
            raise

    def _migrate(self, migrations: Sequence[str], kind: str) -> None:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(migrations):
            raise StoreError(
                f"{self.path} is a {kind} store of schema version {version}; this code knows up to "
                f"{len(migrations)}: upgrade the orchestrator or start from a fresh home"
            )
        for number, script in enumerate(migrations[version:], start=version + 1):
            with self.write() as conn:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def group(self) -> Iterator[None]:
        """One transaction around this thread's `write()`s until the end (a group commit: one disk sync
        for all of them; other threads' writes wait). A write inside that fails rolls back only itself.
        Raises `StoreError` if the commit fails: then nothing of the group is stored."""
        with self._lock:
            if self._grouped:  # nested: the outer group commits
                yield
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._grouped = True
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            finally:
                self._grouped = False
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: a group of writes could not be committed: {exc}") from None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside commits together or not at all (inside `group()`, a
        savepoint of the group's transaction)."""
        with self._lock:
            if self._grouped:
                self.conn.execute("SAVEPOINT write")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute("ROLLBACK TO write")
                    self.conn.execute("RELEASE write")
                    raise
                self.conn.execute("RELEASE write")
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self.conn.execute(sql, args).fetchall())

    def close(self) -> None:
        with self._lock:
            self.conn.close()
