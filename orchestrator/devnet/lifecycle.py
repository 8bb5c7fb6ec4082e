"""One daemon of each kind per home, and whether it is alive: its lock, its heartbeat, its lifeline.

- **Lock.** A daemon holds `flock(LOCK_EX)` on `<home>/<name>.lock` (sequencer.lock, relayer.lock) from
  before it opens its store until it exits; the kernel drops the lock when the process dies, `kill -9`
  included, so no lock is ever stale. A second daemon of the kind is refused, naming the holder's pid.
  The file holds the daemon's pid and start time as JSON; it is never removed while a daemon may hold it
  (an unlinked lock file would let a second daemon lock a new one): only `clear_home` removes it, after
  `rollup devnet down` stopped the daemons.
- **Holder.** Who holds a lock is asked of the kernel (/proc/locks: this pid holds a flock on this very
  file), never read from the file alone: a pid written in a file may since belong to another process.
  `rollup devnet down` signals only such holders (SIGTERM, then SIGKILL after a grace period if the same
  pid still holds the lock).
- **Heartbeat.** The daemon touches the lock file every round (its mtime): one cheap syscall, read by
  `rollup status`.
- **Lifeline.** Each round, before its work, a daemon checks that its lock file and its store are the
  files it opened, and asks every chain (one JSON-RPC batch each) its chain id, its genesis block and the
  code of the contract it drives. A store deleted or replaced, a chain that is another chain now (other
  chain id, other genesis, no contract: a fresh devnet on the same ports), or no chain answering for
  `UNREACHABLE_EXIT_S` make it exit with one error line (`DaemonLost`). While no chain answers it skips
  its rounds' work and says so once; a hiccup shorter than the bound is not fatal.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from orchestrator.devnet.node import pid_alive
from orchestrator.devnet.state import daemon_lock_path, daemon_names
from orchestrator.errors import DevnetError

if TYPE_CHECKING:
    from orchestrator.chain.handle import Chain

STOP_GRACE_S = 15.0  # SIGTERM lets a daemon finish its round; the sequencer may wait for a proof
UNREACHABLE_ENV = "ROLLUP_UNREACHABLE_EXIT_S"
UNREACHABLE_EXIT_S = 30.0  # no chain answering for this long ends a daemon (env overrides, for tests)
CHAIN_TIMEOUT_S = 2.0
STALE_AFTER_S = 30.0  # plus 30 block times: a round waits for receipts (see `stale_after_s`)


class DaemonRunning(DevnetError):
    """Another daemon of this kind holds the home's lock."""


class DaemonLost(DevnetError):
    """The daemon's lock file, store or chains are gone or replaced: it must exit."""


FileId = tuple[int, int]


def _file_id(st: os.stat_result) -> FileId:
    return st.st_dev, st.st_ino


# -- who holds a lock ----------------------------------------------------------------------------------


def lock_holder(path: Path) -> int | None:
    """The pid that holds an exclusive flock on the file at `path` right now, or None."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        table = Path("/proc/locks").read_text()
    except OSError:  # not Linux: trust the file's pid if that process lives (weaker against pid reuse)
        pid = _recorded(path).get("pid")
        return pid if isinstance(pid, int) and pid > 0 and pid_alive(pid) else None
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 6241 fe:00:2146390 0 EOF"; a waiter's line has "->" after "1:"
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK" or fields[3] != "WRITE":
            continue
        try:
            pid = int(fields[4])
        except ValueError:
            continue
        if pid <= 0:
            continue
        if fields[5] == where:
            return pid
        if fields[5].rsplit(":", 1)[-1] == str(st.st_ino) and _has_open(pid, _file_id(st)):
            return pid  # a stacked file system (overlayfs) reports the lower device
    return None


def _has_open(pid: int, file_id: FileId) -> bool:
    fd_dir = Path(f"/proc/{pid}/fd")
    with contextlib.suppress(OSError):
        for fd in fd_dir.iterdir():
            with contextlib.suppress(OSError):
                if _file_id(os.stat(fd)) == file_id:
                    return True
    return False


def _recorded(path: Path) -> dict[str, object]:
    """What the holder wrote in its lock file ({} if unreadable or half-written)."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


# -- the daemon's side: lock and heartbeat --------------------------------------------------------------


class DaemonLock:
    """The home's lock for one daemon kind, held by this process until `release()` or its death."""

    def __init__(self, home: Path, name: str, path: Path, fd: int) -> None:
        self.home, self.name, self.path, self.fd = home, name, path, fd
        self.file_id = _file_id(os.fstat(fd))

    @classmethod
    def acquire(cls, home: Path, name: str) -> DaemonLock:
        """Take the lock or raise `DaemonRunning` naming the pid that holds it."""
        path = daemon_lock_path(home, name)
        home.mkdir(parents=True, exist_ok=True)
        for _ in range(20):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                holder = lock_holder(path)
                if holder is not None:
                    raise DaemonRunning(
                        f"a {name} is already running on {home} (pid {holder}); one per home: "
                        f"stop it first (or `rollup devnet down`)"
                    ) from None
                time.sleep(0.05)  # it let go between our attempt and our question: try again
                continue
            try:
                same = _file_id(os.stat(path)) == _file_id(os.fstat(fd))
            except FileNotFoundError:
                same = False
            if same:
                lock = cls(home, name, path, fd)
                lock._record()
                return lock
            os.close(fd)  # removed (devnet down) between our open and our lock: lock the new file
        raise DaemonRunning(f"cannot take the {name} lock {path}: another process keeps taking it")

    def _record(self) -> None:
        data = json.dumps({"name": self.name, "pid": os.getpid(), "started_at": time.time()}).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def heartbeat(self) -> None:
        """Touch the lock file (the heartbeat `rollup status` reads); `DaemonLost` if it was removed."""
        try:
            current = _file_id(os.stat(self.path))
        except FileNotFoundError:
            current = None
        if current != self.file_id:
            raise DaemonLost(
                f"the {self.name}'s lock file {self.path} was removed (the devnet home was cleared); exiting"
            )
        os.utime(self.fd)

    def release(self) -> None:
        """Last heartbeat (the "last seen" time), unlock. The file stays (see the module docstring)."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.utime(self.fd)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = -1

    def __enter__(self) -> DaemonLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


# -- the outside view: status and stopping --------------------------------------------------------------


def stale_after_s(block_time: int) -> float:
    """Heartbeat age after which a live daemon is "not responding": a round may wait for a receipt per
    stage and chain, a block time each."""
    return STALE_AFTER_S + 30.0 * block_time


@dataclass(frozen=True)
class DaemonStatus:
    name: str
    state: str  # "running" | "not responding" | "stopped" | "not running"
    pid: int | None  # the lock's holder, when alive
    heartbeat_age: float | None  # seconds since the last heartbeat (the lock file's mtime)

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def describe(self) -> str:
        age = _seconds(self.heartbeat_age)
        if self.state == "running":
            return f"running (pid {self.pid}, last heartbeat {age} s ago)"
        if self.state == "not responding":
            return f"running but not responding (pid {self.pid}, last heartbeat {age} s ago)"
        if self.state == "stopped":
            return f"stopped (last seen {age} s ago)"
        return "not running"


def _seconds(age: float | None) -> str:
    if age is None:
        return "?"
    return f"{age:.1f}" if age < 10 else f"{age:.0f}"


def daemon_status(home: Path, name: str, stale_after: float = STALE_AFTER_S) -> DaemonStatus:
    path = daemon_lock_path(home, name)
    try:
        age = max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        return DaemonStatus(name, "not running", None, None)
    pid = lock_holder(path)
    if pid is None:
        return DaemonStatus(name, "stopped", None, age)
    return DaemonStatus(name, "running" if age <= stale_after else "not responding", pid, age)


def running_daemons(home: Path) -> list[DaemonStatus]:
    """The daemons holding a lock of `home` now (responding or not)."""
    return [s for s in (daemon_status(home, name) for name in daemon_names(home)) if s.alive]


def stop_daemons(home: Path, grace: float = STOP_GRACE_S) -> list[DaemonStatus]:
    """SIGTERM every daemon of `home`, wait until each released its lock, SIGKILL one that still holds
    it after `grace`. Returns the ones stopped; `DevnetError` if one cannot be stopped."""
    targets = running_daemons(home)
    for s in targets:
        assert s.pid is not None
        try:
            os.kill(s.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        except PermissionError:
            raise DevnetError(
                f"the {s.name} of {home} (pid {s.pid}) belongs to another user; stop it first"
            ) from None

    def holding() -> list[DaemonStatus]:
        return [s for s in targets if lock_holder(daemon_lock_path(home, s.name)) == s.pid]

    deadline = time.monotonic() + grace
    while holding() and time.monotonic() < deadline:
        time.sleep(0.05)
    for s in holding():  # checked right before: the pid still holds this home's lock
        assert s.pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(s.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while holding() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = holding()
    if left:
        names = ", ".join(f"the {s.name} (pid {s.pid})" for s in left)
        raise DevnetError(f"could not stop {names} of {home}; stop it by hand and try again")
    return targets


# -- the daemon's lifeline ------------------------------------------------------------------------------


class _Unanswered(Exception):
    pass


def _batch(url: str, calls: Sequence[tuple[str, list[object]]], timeout: float) -> list[object]:
    """One JSON-RPC batch; each call's result in order, `_Unanswered` for any failure."""
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            replies = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise _Unanswered(str(exc) or type(exc).__name__) from None
    try:
        by_id = {int(r["id"]): r for r in replies}
        results = []
        for i in range(len(calls)):
            if "error" in by_id[i]:
                raise _Unanswered(str(by_id[i]["error"]))
            results.append(by_id[i]["result"])
    except (TypeError, KeyError, ValueError) as exc:
        raise _Unanswered(f"malformed reply: {exc}") from None
    return results


class Lifeline:
    """What a daemon checks at the start of every round (see the module docstring)."""

    def __init__(self, lock: DaemonLock, store: Path, chains: Sequence[Chain], log: logging.Logger) -> None:
        self.lock, self.store, self.chains, self.log = lock, store, list(chains), log
        self.name = lock.name
        self.store_id = _file_id(os.stat(store))
        self.genesis: dict[str, str] = {}
        self.bound = float(os.environ.get(UNREACHABLE_ENV) or UNREACHABLE_EXIT_S)
        self.unreachable_since: float | None = None
        self.unreachable: dict[str, str] = {}  # chain -> why it did not answer the last check (health)

    def check(self) -> bool:
        """Heartbeat and checks; `DaemonLost` if the daemon must exit, False if no chain answers now (the
        round's work would only fail: skip it)."""
        self.lock.heartbeat()
        self._check_store()
        errors = {}
        for chain in self.chains:
            try:
                self._check_chain(chain)
            except _Unanswered as exc:
                errors[chain.name] = str(exc)
        self.unreachable = errors
        if len(errors) < len(self.chains):
            if self.unreachable_since is not None:
                waited = time.monotonic() - self.unreachable_since
                self.log.info("chains answer again after %.1f s: resuming", waited)
            self.unreachable_since = None
            return True
        now = time.monotonic()
        if self.unreachable_since is None:
            self.unreachable_since = now
            first = next(iter(errors.items()))
            self.log.warning(
                "no chain answers (%s: %s): pausing, exiting if none answers within %.0f s",
                *first,
                self.bound,
            )
        elif now - self.unreachable_since > self.bound:
            raise DaemonLost(
                f"the {self.name} exits: no chain has answered for {self.bound:.0f} s (every node "
                "unreachable: was the devnet stopped?)"
            )
        return False

    def _check_store(self) -> None:
        try:
            current = _file_id(os.stat(self.store))
        except FileNotFoundError:
            raise DaemonLost(
                f"the {self.name} exits: its store {self.store} was deleted (by `rollup devnet down`?)"
            ) from None
        if current != self.store_id:
            raise DaemonLost(f"the {self.name} exits: its store {self.store} was replaced by another file")

    def _check_chain(self, chain: Chain) -> None:
        # the rollup contract has code as long as this is the same devnet
        url, contract, evm_chain_id = chain.config.rpc_url, chain.rollup.address, chain.config.evm_chain_id
        calls: list[tuple[str, list[object]]] = [
            ("eth_chainId", []),
            ("eth_getBlockByNumber", ["0x0", False]),
            ("eth_getCode", [contract, "latest"]),
        ]
        chain_id, genesis, code = _batch(url, calls, CHAIN_TIMEOUT_S)
        where = f"the {self.name} exits: chain {chain.name} at {url} is not the chain it started on"
        try:
            reported = int(str(chain_id), 16)
            genesis_hash = str(genesis["hash"]) if isinstance(genesis, dict) else ""
        except (ValueError, KeyError) as exc:
            raise _Unanswered(f"malformed reply: {exc}") from None
        if reported != evm_chain_id:
            raise DaemonLost(f"{where}: it reports chain id {reported}, not {evm_chain_id}")
        known = self.genesis.setdefault(chain.name, genesis_hash)
        if genesis_hash != known:
            raise DaemonLost(f"{where}: its genesis block changed (a new devnet on the same port?)")
        if code in ("0x", "0x0", "", None):
            raise DaemonLost(f"{where}: no contract at {contract} any more (a new devnet?)")
