"""The process that owns a devnet started by `rollup devnet up`.

It starts the nodes (each dies with it, by PR_SET_PDEATHSIG), then sleeps until SIGTERM, SIGINT or
SIGHUP, and stops them. Killing it with SIGKILL still takes every node down with it: no orphans.
Usage (internal): python -m orchestrator.devnet.supervisor CONFIG_PATH HOME
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from orchestrator.config import load_config
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.errors import RollupError


def run(config_path: Path, home: Path) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        devnet = LocalNodes(load_config(config_path), home, mode="supervised")
        devnet.start()
    except RollupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"devnet ready: {len(devnet.nodes)} node(s)", flush=True)
    try:
        while not stop.wait(timeout=1.0):
            pass
    finally:
        devnet.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python -m orchestrator.devnet.supervisor CONFIG_PATH HOME", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2])))
