"""Start, inspect and stop the devnet's anvil nodes.

`LocalNodes` is the Python API (tests and the demo use it as a context manager: the nodes die with the
process that owns them). `up`/`down`/`status` are what the CLI calls across processes: `up` hands the
nodes to a detached supervisor process (`orchestrator.devnet.supervisor`) so they outlive the command
but never their owner. Stopping a devnet removes the daemons' stores with it, so `down` and `LocalNodes.stop`
first stop the home's sequencer and relayer (orchestrator/devnet/lifecycle.py), and `up` refuses while
one still runs there.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from orchestrator.config import DeploymentConfig
from orchestrator.devnet.lifecycle import DaemonStatus, running_daemons, stop_daemons
from orchestrator.devnet.node import (
    AnvilNode,
    NodeSpec,
    pid_alive,
    pid_is_anvil,
    port_in_use,
    rpc_call,
    stop_pid,
)
from orchestrator.devnet.state import (
    LOG_DIR,
    NODE_HOMES,
    SUPERVISOR_LOG,
    DevnetState,
    NodeRecord,
    clear_home,
    read_state,
    write_state,
)
from orchestrator.errors import DevnetError
from orchestrator.paths import anvil_binary

SUPERVISOR_START_TIMEOUT_S = 40.0


class LocalNodes:
    """The anvil nodes of one devnet, owned by this process."""

    def __init__(self, config: DeploymentConfig, home: Path, mode: str = "attached") -> None:
        self.config = config
        self.home = home
        self.mode = mode
        self.nodes: list[AnvilNode] = []

    def start(self) -> None:
        """Start every local chain and wait until each answers; on any failure stop what was started."""
        preflight(self.config, self.home)
        anvil = anvil_binary()
        state = DevnetState(os.getpid(), self.mode, "starting", str(self.config.path), time.time())
        write_state(self.home, state)
        try:
            for chain in self.config.chains:
                if not chain.is_local:
                    continue
                assert chain.port is not None
                spec = NodeSpec(
                    chain.name,
                    chain.evm_chain_id,
                    chain.port,
                    self.config.block_time,
                    self.home / LOG_DIR / f"{chain.name}.log",
                    self.home / NODE_HOMES / chain.name,
                )
                node = AnvilNode.spawn(anvil, spec)
                self.nodes.append(node)
                record = NodeRecord(spec.name, node.pid, spec.port, spec.evm_chain_id, str(spec.log_path))
                state.nodes.append(record)
                write_state(self.home, state)
            for node in self.nodes:
                node.wait_ready()
        except BaseException:
            self.stop()
            raise
        state.status = "ready"
        write_state(self.home, state)

    def stop(self) -> None:
        stop_daemons(self.home)  # their stores go with the devnet: never from under a running daemon
        for node in reversed(self.nodes):
            node.stop()
        self.nodes.clear()
        # The supervisor's log carries its last error to `up`, which removes it after reading.
        clear_home(self.home, keep_supervisor_log=self.mode == "supervised")

    def __enter__(self) -> LocalNodes:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def preflight(config: DeploymentConfig, home: Path) -> None:
    """Everything that can be checked before a node starts: nothing running here, binary, free ports."""
    existing = read_state(home)
    if existing is not None and (
        pid_alive(existing.owner_pid) or any(pid_alive(n.pid) for n in existing.nodes)
    ):
        raise DevnetError(
            f"a devnet is already running from {home} (owner pid {existing.owner_pid}); "
            "run `rollup devnet down` first"
        )
    daemons = running_daemons(home)
    if daemons:
        raise DevnetError(
            f"{_names(daemons)} {'is' if len(daemons) == 1 else 'are'} still running on {home}; "
            "run `rollup devnet down` first"
        )
    if existing is not None:
        clear_home(home)  # a stale file from a devnet whose processes are all gone
    anvil_binary()
    for chain in config.chains:
        if chain.port is not None and port_in_use(chain.port):
            raise DevnetError(f"port {chain.port} for chain {chain.name!r} is already in use")


def up(config: DeploymentConfig, home: Path) -> DevnetState:
    """Start the devnet under a detached supervisor and return once every node is ready."""
    preflight(config, home)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / SUPERVISOR_LOG
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.devnet.supervisor", str(config.path), str(home)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the terminal that ran `rollup devnet up`
        )
    deadline = time.monotonic() + SUPERVISOR_START_TIMEOUT_S
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            message = _last_line(log_path) or f"supervisor exited with code {code}"
            clear_home(home)
            raise DevnetError(message.removeprefix("error: "))
        state = read_state(home)
        if state is not None and state.owner_pid == proc.pid and state.status == "ready":
            return state
        time.sleep(0.03)
    stop_pid(proc.pid)
    clear_home(home)
    raise DevnetError(f"devnet not ready after {SUPERVISOR_START_TIMEOUT_S:.0f} s; see {log_path}")


@dataclass(frozen=True)
class DownReport:
    stopped: list[str]
    already_dead: list[str]
    was_running: bool
    daemons: list[DaemonStatus] = field(default_factory=list)  # stopped first

    @property
    def daemon_names(self) -> str:
        return _names(self.daemons)


def _names(daemons: list[DaemonStatus]) -> str:
    return " and ".join(f"the {d.name} (pid {d.pid})" for d in daemons)


def down(home: Path) -> DownReport:
    """Stop the home's daemons, then the devnet recorded in `home`, whatever state it is in (ready,
    partial, half-dead), and remove its files."""
    daemons = stop_daemons(home)  # before their stores go, and while the chains still answer them
    state = read_state(home)
    if state is None:
        clear_home(home)
        return DownReport([], [], was_running=False, daemons=daemons)
    if state.mode == "supervised" and state.owner_pid != os.getpid() and pid_alive(state.owner_pid):
        stop_pid(state.owner_pid)  # the supervisor stops its nodes on SIGTERM
    stopped, dead = [], []
    for node in state.nodes:
        if pid_alive(node.pid) and pid_is_anvil(node.pid):
            stop_pid(node.pid)
            stopped.append(node.name)
        elif state.mode == "supervised" and not pid_alive(node.pid):
            stopped.append(node.name)  # its supervisor just stopped it, or it was already gone
        else:
            dead.append(node.name)
    clear_home(home)
    return DownReport(stopped, dead, was_running=True, daemons=daemons)


@dataclass(frozen=True)
class NodeStatus:
    name: str
    role: str
    evm_chain_id: int
    rollup_chain_id: int
    rpc_url: str
    pid: int | None
    state: str  # running | stopped | not started | unreachable
    block_number: int | None
    detail: str


def status(config: DeploymentConfig, home: Path) -> list[NodeStatus]:
    """Each chain's node: alive or not, answering or not, with the chain id and height it reports."""
    state = read_state(home)
    records = {n.name: n for n in state.nodes} if state else {}
    result = []
    for chain in config.chains:
        record = records.get(chain.name)
        pid = record.pid if record else None
        block, detail = None, ""
        if chain.is_local and record is None:
            run_state = "not started"
        elif record is not None and not pid_alive(record.pid):
            run_state, detail = "stopped", f"pid {record.pid} is not running"
        else:
            try:
                reported = int(str(rpc_call(chain.rpc_url, "eth_chainId", timeout=1.0)), 16)
                block = int(str(rpc_call(chain.rpc_url, "eth_blockNumber", timeout=1.0)), 16)
                run_state = "running"
                if reported != chain.evm_chain_id:
                    run_state, detail = "wrong chain", f"reports chain id {reported}"
            except (OSError, DevnetError) as exc:
                run_state, detail = "unreachable", str(exc)[:80]
        result.append(
            NodeStatus(
                chain.name,
                chain.role.value,
                chain.evm_chain_id,
                chain.rollup_chain_id,
                chain.rpc_url,
                pid,
                run_state,
                block,
                detail,
            )
        )
    return result


def _last_line(path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
        if lines:
            return lines[-1]
    return ""
