"""The devnet's run-time state file: who owns the nodes, their pids, ports and logs.

Written atomically after every change (a node spawned, all ready), so a launcher killed at any moment
leaves a file from which `rollup devnet down` finds every node it had started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orchestrator.chain.addresses import ABI_DIR, DEPLOYMENTS_FILE
from orchestrator.errors import DevnetError

STATE_FILE = "devnet.json"
LOG_DIR = "logs"
NODE_HOMES = "node-homes"  # each anvil's $HOME (see devnet/node.py HISTORY_STATES)
SUPERVISOR_LOG = "supervisor.log"


@dataclass
class NodeRecord:
    name: str
    pid: int
    port: int
    evm_chain_id: int
    log: str


@dataclass
class DevnetState:
    owner_pid: int
    mode: str  # "supervised": owned by a `rollup devnet up` supervisor; "attached": by a Python process
    status: str  # "starting" or "ready"
    config_path: str
    started_at: float
    nodes: list[NodeRecord] = field(default_factory=list)


def state_path(home: Path) -> Path:
    return home / STATE_FILE


def read_state(home: Path) -> DevnetState | None:
    path = state_path(home)
    try:
        raw = json.loads(path.read_text())
        nodes = [NodeRecord(**n) for n in raw.pop("nodes")]
        return DevnetState(**raw, nodes=nodes)
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise DevnetError(f"{path} is corrupt ({exc}); stop leftover anvil nodes and delete it") from None


def write_state(home: Path, state: DevnetState) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / f".{STATE_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=2))
    tmp.replace(state_path(home))


DAEMONS = ("sequencer", "relayer")
DAEMON_STORES = tuple(f"{name}.db" for name in DAEMONS)
PROVER_SCRATCH = "prover-scratch"  # the sequencer's local proving cluster's scratch files
COMMITTEE_DIR = "dac"  # Validium: each committee member's store, <home>/dac/<member>.db
COMMITTEE_LOCK_PREFIX = "dac-"  # and its lock, <home>/dac-<member>.lock


def daemon_names(home: Path) -> list[str]:
    """The daemons a home may hold: the sequencer, the relayer, and every committee member that ran."""
    members = sorted(p.stem for p in home.glob(f"{COMMITTEE_LOCK_PREFIX}*.lock"))
    return [*DAEMONS, *members]


def daemon_lock_path(home: Path, name: str) -> Path:
    """The daemon's lock and heartbeat file (orchestrator/devnet/lifecycle.py)."""
    return home / f"{name}.lock"


def clear_home(home: Path, keep_supervisor_log: bool = False) -> None:
    """Remove everything a devnet run wrote (state, deployments, logs); leave other files alone.

    The daemons' stores and lock files go too: callers stop the daemons first (`launcher.down`)."""
    names = [STATE_FILE, DEPLOYMENTS_FILE] + ([] if keep_supervisor_log else [SUPERVISOR_LOG])
    # the daemons' stores describe chains that are gone with the devnet
    names += [f"{db}{suffix}" for db in DAEMON_STORES for suffix in ("", "-wal", "-shm")]
    names += [daemon_lock_path(home, name).name for name in daemon_names(home)]
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()
    logs = home / LOG_DIR
    if logs.is_dir():
        for f in logs.iterdir():
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
        with contextlib.suppress(OSError):
            logs.rmdir()
    for folder in (NODE_HOMES, COMMITTEE_DIR, PROVER_SCRATCH, ABI_DIR, ABI_DIR + ".tmp"):
        shutil.rmtree(home / folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        home.rmdir()  # only if now empty
