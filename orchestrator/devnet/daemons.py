"""The daemons as child processes (the demo and the tests start them this way).

Each runs `python -m orchestrator ... sequencer|relayer|dac --member NAME` with its log appended to
<home>/logs/<name>.log,
dies with its parent (PR_SET_PDEATHSIG, as the anvil nodes do), and is stopped by pid: SIGTERM lets it
finish the round, `kill()` is a plain SIGKILL for the crash tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from orchestrator.devnet.node import die_with_parent, stop_pid
from orchestrator.errors import DevnetError

READY_TIMEOUT_S = 60.0


class DaemonProcess:
    def __init__(
        self,
        name: str,
        config_path: Path,
        home: Path,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        """`command`: the CLI words after the global options (default: `name`, the daemon's command)."""
        self.name = name
        self.command = list(command or [name])
        self.config_path = config_path
        self.home = home
        self.env = dict(env or {})
        self.log_path = home / "logs" / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready: Callable[[], bool], timeout: float = READY_TIMEOUT_S) -> DaemonProcess:
        """Spawn and wait until `ready()` holds; a daemon that exits first fails with its last log line."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable,
            "-m",
            "orchestrator",
            "--config",
            str(self.config_path),
            "--home",
            str(self.home),
            *self.command,
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                preexec_fn=die_with_parent(os.getpid()),
            )
        deadline = time.monotonic() + timeout
        while not ready():
            code = self.process.poll()
            if code is not None:
                raise DevnetError(f"{self.name} exited at start (code {code}): {self.last_log_line()}")
            if time.monotonic() > deadline:
                self.kill()
                raise DevnetError(f"{self.name} not ready after {timeout:.0f} s: {self.last_log_line()}")
            time.sleep(0.1)
        return self

    @property
    def pid(self) -> int:
        if self.process is None:
            raise DevnetError(f"{self.name} was never started")
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code once the process ended within `timeout`, else None."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """kill -9, and reap."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop_pid(self.process.pid, 15.0, self.process)

    def last_log_line(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        return lines[-1].strip() if lines else "empty log"
