"""One anvil node as a child process that cannot outlive its owner.

After ape's SubprocessProvider: the node is started with its log in a file, polled until it answers
`eth_chainId`, and stopped by pid (SIGTERM, then SIGKILL). On Linux the child asks the kernel to kill it
when its parent dies (PR_SET_PDEATHSIG), so a launcher killed with SIGKILL leaves no orphan node.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import DevnetError

_PR_SET_PDEATHSIG = 1
READY_TIMEOUT_S = 15.0
HISTORY_STATES = 256
"""States anvil keeps in memory (`--prune-history N`). Enough for `anvil_reorg` deeper than any
confirmation depth, and for calls at a block a moment old; a bare `--prune-history` keeps none, so a reorg
fails and a call racing a new block is refused. A reorg makes anvil create a state directory under
~/.foundry/anvil/tmp and never remove it: each node's $HOME is therefore a directory of the devnet home
(`NodeSpec.home`), removed with it."""


@dataclass(frozen=True)
class NodeSpec:
    name: str
    evm_chain_id: int
    port: int
    block_time: int
    log_path: Path
    home: Path  # anvil's $HOME: what it writes under ~/.foundry (a reorg's state dump) stays in the devnet


def free_ports(n: int) -> list[int]:
    """n distinct loopback ports nothing listens on right now (the OS picks them)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port (SO_REUSEADDR ignores TIME_WAIT leftovers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def rpc_call(url: str, method: str, params: list[object] | None = None, timeout: float = 2.0) -> object:
    """A bare JSON-RPC call (no web3 import: readiness polling must be cheap)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = json.loads(resp.read())
    if "error" in reply:
        raise DevnetError(f"{url} {method}: {reply['error'].get('message', reply['error'])}")
    return reply["result"]


def die_with_parent(parent_pid: int) -> Callable[[], None]:
    def preexec() -> None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        # The parent may have died between fork and prctl: then nobody would ever kill us.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


class AnvilNode:
    """A running anvil process for one chain."""

    def __init__(self, spec: NodeSpec, process: subprocess.Popen[bytes]) -> None:
        self.spec = spec
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}"

    @classmethod
    def spawn(cls, anvil: str, spec: NodeSpec) -> AnvilNode:
        args = [
            anvil,
            "--host", "127.0.0.1",
            "--port", str(spec.port),
            "--chain-id", str(spec.evm_chain_id),
            "--prune-history", str(HISTORY_STATES),
            "--accounts", "12",
            "--balance", "10000",
        ]  # fmt: skip
        if spec.block_time > 0:
            args += ["--block-time", str(spec.block_time)]
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        spec.home.mkdir(parents=True, exist_ok=True)
        with open(spec.log_path, "wb") as log:
            try:
                process = subprocess.Popen(
                    args,
                    env={**os.environ, "HOME": str(spec.home)},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=die_with_parent(os.getpid()),
                )
            except OSError as exc:
                raise DevnetError(f"cannot start anvil for chain {spec.name!r}: {exc.strerror}") from None
        return cls(spec, process)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Poll until the node answers with the configured chain id; fail fast if it exits."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                name, last = self.spec.name, self.last_log_line()
                raise DevnetError(f"anvil for chain {name!r} exited at start (code {code}): {last}")
            try:
                chain_id = int(str(rpc_call(self.rpc_url, "eth_chainId", timeout=0.5)), 16)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                chain_id = None
            if chain_id is not None:
                if chain_id != self.spec.evm_chain_id:
                    raise DevnetError(
                        f"chain {self.spec.name!r} on port {self.spec.port} reports chain id {chain_id}, "
                        f"expected {self.spec.evm_chain_id}"
                    )
                return
            if time.monotonic() > deadline:
                raise DevnetError(f"anvil for chain {self.spec.name!r} not ready after {timeout:.0f} s")
            time.sleep(0.03)

    def last_log_line(self) -> str:
        try:
            lines = [ln for ln in self.spec.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        return lines[-1].strip() if lines else "empty log"

    def stop(self, timeout: float = 5.0) -> None:
        stop_pid(self.process.pid, timeout, self.process)


def stop_pid(pid: int, timeout: float = 5.0, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM, wait, then SIGKILL. Returns False when the pid was not running."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        if process is not None:
            process.poll()
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return True
        elif not pid_alive(pid):
            return True
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()
    return True


def pid_alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) counts as dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not sys.platform.startswith("linux")


def pid_is_anvil(pid: int) -> bool:
    """Guard against a recycled pid: only signal a process whose command line is anvil's."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(cmdline) == b"anvil"
