"""The daemons' lifecycle on live anvil nodes with the real daemon processes: `rollup devnet down` stops
them before it removes their stores; a daemon whose store or chains vanish exits with one error line
instead of looping on warnings (a node's hiccup is not fatal); a second daemon on the same home is refused,
naming the pid that holds the home's lock, and a `kill -9` leaves no stale lock; `rollup status` shows
whether each daemon is alive.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.devnet.daemons import DaemonProcess
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.devnet.node import pid_alive, port_in_use
from orchestrator.devnet.state import read_state
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from tests.helpers import assert_one_error_line, run_rollup, wait_until

pytestmark = pytest.mark.integration

UNREACHABLE_ENV = "ROLLUP_UNREACHABLE_EXIT_S"  # the bound after which a daemon with no chain left exits


@pytest.fixture
def rollup(tmp_path: Path) -> Iterator[RunningRollup]:
    """A fresh rollup of 3 chains with both daemons running (each test here ends it one way or another)."""
    config_path = write_settlement_devnet(tmp_path, 3, 996000)
    with running_rollup(config_path, tmp_path / "home") as running:
        yield running


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRollup]:
    """One rollup for the tests that leave it running (refusals, status)."""
    tmp = tmp_path_factory.mktemp("lifecycle")
    config_path = write_settlement_devnet(tmp, 3, 997000)
    with running_rollup(config_path, tmp / "home") as running:
        yield running


def _cli(rollup: RunningRollup, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=timeout)


def _log_lines_after(daemon: DaemonProcess, offset: int) -> list[str]:
    with open(daemon.log_path, "rb") as f:
        f.seek(offset)
        return [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]


def _exits_with_one_error_line(daemon: DaemonProcess, offset: int, *fragments: str) -> str:
    """The daemon ends within 30 s with exit code 1, its last log line one 'error:' line, and no flood
    of warnings since `offset` of its log."""
    code = daemon.wait_exit(30)
    assert code is not None, f"{daemon.name} still running: {daemon.last_log_line()}"
    assert code == 1, (daemon.name, code, daemon.last_log_line())
    lines = _log_lines_after(daemon, offset)
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert errors == [lines[-1]], lines[-5:]
    for fragment in fragments:
        assert fragment in lines[-1], (fragment, lines[-1])
    assert "Traceback" not in "\n".join(lines), lines
    warnings = [ln for ln in lines if " WARNING " in ln]
    assert len(warnings) <= 15, warnings  # one line when the chains went, not one per failed call
    return lines[-1]


# -- 10. `rollup devnet down` with the daemons running --------------------------------------------------


def test_down_stops_the_daemons_before_removing_their_stores(rollup: RunningRollup) -> None:
    sequencer, relayer = rollup.sequencer, rollup.relayer
    result = _cli(rollup, "devnet", "down")
    assert result.returncode == 0, result.stderr
    # it says what it did, and did it: both exited cleanly on SIGTERM (code 0) before the chains went
    assert f"sequencer (pid {sequencer.pid})" in result.stdout, result.stdout
    assert f"relayer (pid {relayer.pid})" in result.stdout, result.stdout
    assert "stopped" in result.stdout
    assert sequencer.wait_exit(5) == 0, sequencer.last_log_line()
    assert relayer.wait_exit(5) == 0, relayer.last_log_line()
    assert not rollup.home.exists(), list(rollup.home.rglob("*"))


def test_down_signals_no_process_that_does_not_hold_the_home_lock(tmp_path: Path) -> None:
    """A lock file naming a pid that holds no lock (the daemon died, its pid was reused) is not obeyed."""
    home = tmp_path / "home"
    home.mkdir()
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (home / "relayer.lock").write_text(f'{{"name": "relayer", "pid": {bystander.pid}}}')
        result = run_rollup("devnet", "down", home=home)
        assert result.returncode == 0, result.stderr
        assert bystander.poll() is None, "down signalled a process that is not the home's daemon"
        assert not home.exists()
    finally:
        bystander.kill()
        bystander.wait()


# -- 10. a daemon whose store or chains disappear exits with one line -----------------------------------


def test_a_daemon_whose_store_is_deleted_exits_with_one_error_line(rollup: RunningRollup) -> None:
    offsets = {d.name: d.log_path.stat().st_size for d in (rollup.sequencer, rollup.relayer)}
    for name in ("sequencer", "relayer"):
        for suffix in ("", "-wal", "-shm"):
            (rollup.home / f"{name}.db{suffix}").unlink(missing_ok=True)
    for daemon in (rollup.sequencer, rollup.relayer):
        _exits_with_one_error_line(daemon, offsets[daemon.name], f"{daemon.name}.db", "deleted")


def test_a_daemon_whose_store_is_replaced_exits_with_one_error_line(rollup: RunningRollup) -> None:
    relayer = rollup.relayer
    offset = relayer.log_path.stat().st_size
    store = rollup.home / "relayer.db"
    copy = rollup.home / "relayer.db.copy"
    copy.write_bytes(store.read_bytes())
    copy.replace(store)  # same name, another file: the daemon would write where nobody reads
    _exits_with_one_error_line(relayer, offset, "relayer.db", "replaced")
    assert rollup.sequencer.running()


def _kill_nodes(rollup: RunningRollup) -> None:
    state = read_state(rollup.home)
    assert state is not None
    for node in state.nodes:
        os.kill(node.pid, signal.SIGKILL)
    wait_until(lambda: not any(pid_alive(n.pid) for n in state.nodes), 10, "the nodes to die")


def test_daemons_exit_when_a_fresh_devnet_replaced_their_chains(
    rollup: RunningRollup, tmp_path: Path
) -> None:
    offsets = {d.name: d.log_path.stat().st_size for d in (rollup.sequencer, rollup.relayer)}
    _kill_nodes(rollup)
    ports = [c.port for c in rollup.config.chains if c.port]
    wait_until(lambda: not any(port_in_use(p) for p in ports), 10, "the ports to be free")
    # a new devnet on the same ports and chain ids, as after `down` and `up` (nothing deployed yet)
    with LocalNodes(rollup.config, tmp_path / "other-home"):
        for daemon in (rollup.sequencer, rollup.relayer):
            _exits_with_one_error_line(daemon, offsets[daemon.name], "not the chain")


def test_daemons_survive_a_hiccup_and_exit_once_every_chain_is_gone(rollup: RunningRollup) -> None:
    rollup.sequencer.stop()
    rollup.relayer.stop()
    rollup.start_sequencer({UNREACHABLE_ENV: "4"})
    rollup.start_relayer({UNREACHABLE_ENV: "4"})
    state = read_state(rollup.home)
    assert state is not None
    # a hiccup: every node frozen for 2 s (calls hang, then time out or complete), then back
    for node in state.nodes:
        os.kill(node.pid, signal.SIGSTOP)
    time.sleep(2)
    for node in state.nodes:
        os.kill(node.pid, signal.SIGCONT)
    time.sleep(6)
    assert rollup.sequencer.running(), rollup.sequencer.last_log_line()
    assert rollup.relayer.running(), rollup.relayer.last_log_line()
    assert rollup.client.status()["chains"]  # still answering
    offsets = {d.name: d.log_path.stat().st_size for d in (rollup.sequencer, rollup.relayer)}
    _kill_nodes(rollup)
    for daemon in (rollup.sequencer, rollup.relayer):
        _exits_with_one_error_line(daemon, offsets[daemon.name], "unreachable")


# -- 11. one daemon of each kind per home ---------------------------------------------------------------


def test_a_second_daemon_on_the_same_home_is_refused(shared: RunningRollup) -> None:
    for daemon in (shared.sequencer, shared.relayer):
        try:
            second = _cli(shared, daemon.name, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a second {daemon.name} on the same home ran for 60 s")
        assert_one_error_line(second, daemon.name, "already running", f"pid {daemon.pid}")
        assert daemon.running()


def test_kill_9_leaves_no_stale_lock(shared: RunningRollup) -> None:
    shared.relayer.kill()
    shared.start_relayer()  # the OS released the lock with the process
    try:
        second = _cli(shared, "relayer", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a second relayer on the same home ran for 60 s")
    assert_one_error_line(second, "relayer", "already running", f"pid {shared.relayer.pid}")


# -- 12. `rollup status` tells whether each daemon is alive ---------------------------------------------


def _status(rollup: RunningRollup) -> str:
    result = _cli(rollup, "status")
    assert result.returncode == 0, result.stderr
    assert "stages per chain" in result.stdout and "alpha" in result.stdout  # the chains' part still works
    return result.stdout


def _status_json(rollup: RunningRollup) -> dict[str, Any]:
    result = _cli(rollup, "status", "--json")
    assert result.returncode == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["schema"] == "rollup.status/1"
    return doc


def test_status_shows_whether_each_daemon_is_alive(shared: RunningRollup) -> None:
    seq, rel = shared.sequencer, shared.relayer
    out = _status(shared)
    assert re.search(rf"sequencer: running \(pid {seq.pid}, last heartbeat \d+(\.\d)? s ago\)", out), out
    assert re.search(rf"relayer: running \(pid {rel.pid}, last heartbeat \d+(\.\d)? s ago\)", out), out
    doc = _status_json(shared)  # the same, as data (docs/json.md)
    assert [c["name"] for c in doc["chains"]] == [c.name for c in shared.config.chains]
    primary, *secondaries = doc["chains"]
    assert primary["role"] == "primary" and isinstance(primary["proven"], int)
    assert all(c["proven"] is None and c["committed"] >= c["executed"] >= 0 for c in secondaries)
    assert (doc["sequencer"]["state"], doc["sequencer"]["pid"]) == ("running", seq.pid)
    assert doc["sequencer"]["rpc"]["last_block"] >= 0 and doc["sequencer"]["rpc_error"] is None
    assert (doc["relayer"]["state"], doc["relayer"]["pid"]) == ("running", rel.pid)
    assert isinstance(doc["relayer"]["store"]["waiting"], list) and doc["committee"] is None

    os.kill(rel.pid, signal.SIGSTOP)  # alive, but its loop makes no rounds
    try:
        past = time.time() - 120
        os.utime(shared.home / "relayer.lock", (past, past))  # as if frozen for two minutes
        out = _status(shared)
        assert re.search(
            rf"relayer: running but not responding \(pid {rel.pid}, last heartbeat 12\d s ago\)", out
        ), out
    finally:
        os.kill(rel.pid, signal.SIGCONT)

    rel.kill()
    out = _status(shared)
    assert re.search(r"relayer: stopped \(last seen \d+(\.\d)? s ago\)", out), out
    assert "relayer: 0 messages waiting" not in out

    seq.kill()
    out = _status(shared)  # the chains' table and the relayer's store without a sequencer to ask
    assert re.search(r"sequencer: stopped \(last seen \d+(\.\d)? s ago\)", out), out
    stopped = _status_json(shared)
    assert (stopped["sequencer"]["state"], stopped["sequencer"]["rpc"]) == ("stopped", None)
    assert stopped["relayer"]["state"] == "stopped" and not stopped["relayer"]["alive"]

    shared.start_sequencer()
    shared.start_relayer()
    out = _status(shared)
    assert f"sequencer: running (pid {shared.sequencer.pid}" in out, out


def test_status_says_not_running_for_a_daemon_that_never_ran(shared: RunningRollup) -> None:
    lock = shared.home / "relayer.lock"
    shared.relayer.stop()
    lock.unlink(missing_ok=True)  # as on a home where `rollup relayer` never ran
    out = _status(shared)
    assert "relayer: not running" in out, out
    shared.start_relayer()
