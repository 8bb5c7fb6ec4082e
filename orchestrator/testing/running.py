"""TEST-ONLY: a running rollup (devnet, contracts, sequencer and relayer, and in Validium mode the data
committee's members, as real processes), what `rollup demo`, the end-to-end tests and the latency
benchmark stand on."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from orchestrator.chain.deploy import deploy_all
from orchestrator.config import DeploymentConfig, load_config
from orchestrator.devnet.daemons import DaemonProcess
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.devnet.state import LOG_DIR
from orchestrator.errors import RollupError
from orchestrator.jsonrpc.client import RpcUnavailable, call
from orchestrator.prover.profiles import exit_profile_keys, profile_keys
from orchestrator.wallet.actions import (
    Network,
)
from orchestrator.wallet.client import SequencerClient

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class RunningRollup:
    config: DeploymentConfig
    config_path: Path
    home: Path
    net: Network
    client: SequencerClient
    sequencer: DaemonProcess
    relayer: DaemonProcess
    members: dict[str, DaemonProcess] = field(default_factory=dict)  # Validium: the committee's daemons

    def sequencer_ready(self) -> bool:
        try:
            self.client.status()
            return True
        except RpcUnavailable:
            return False

    def relayer_ready(self) -> bool:
        log = self.relayer.log_path
        return log.exists() and log.read_text(errors="replace").count("relayer ready") > self.relayer_starts

    relayer_starts: int = 0

    def start_sequencer(self, env: dict[str, str] | None = None) -> None:
        self.sequencer = DaemonProcess("sequencer", self.config_path, self.home, env)
        self.sequencer.start(self.sequencer_ready)

    def start_relayer(self, env: dict[str, str] | None = None) -> None:
        log = self.relayer.log_path
        self.relayer_starts = log.read_text(errors="replace").count("relayer ready") if log.exists() else 0
        self.relayer = DaemonProcess("relayer", self.config_path, self.home, env)
        self.relayer.start(self.relayer_ready)


@contextmanager
def running_rollup(
    config_path: Path, home: Path, say: Say = _quiet, keep_logs: Path | None = None
) -> Iterator[RunningRollup]:
    """Chains up, contracts deployed, both daemons running; everything stopped on the way out. The
    launcher clears `home` then: every log (daemons' and nodes') is copied to `keep_logs` first (default:
    beside `home`)."""
    config = load_config(config_path)
    _, keys = profile_keys(config.rollup.circuit.circuit, lambda what: _status(say, what))
    _, exit_keys = exit_profile_keys(config.rollup.circuit.circuit, lambda what: _status(say, what))
    started = time.monotonic()
    with LocalNodes(config, home):
        say(f"devnet up: {len(config.chains)} chains in {time.monotonic() - started:.1f} s")
        deploy_all(config, home, keys.verifying_key, exit_keys.verifying_key)
        say(f"contracts deployed on every chain ({time.monotonic() - started:.1f} s since start)")
        client = SequencerClient(config.sequencer.rpc_url)
        placeholder = DaemonProcess("relayer", config_path, home)
        rollup = RunningRollup(
            config, config_path, home, Network(config, home), client, placeholder, placeholder
        )
        try:
            if config.committee is not None:
                rollup.members = start_members(config, config_path, home)
                say(f"data committee running: {len(rollup.members)} members")
            rollup.start_sequencer()
            rollup.start_relayer()
            say(f"sequencer ({config.sequencer.rpc_url}) and relayer running")
            yield rollup
        finally:
            rollup.sequencer.stop()
            rollup.relayer.stop()
            for member in rollup.members.values():
                member.stop()
            target = keep_logs or home.parent
            target.mkdir(parents=True, exist_ok=True)
            for log in sorted((home / LOG_DIR).glob("*.log")):
                shutil.copy(log, target / log.name)


@contextmanager
def _status(say: Say, what: str) -> Iterator[None]:
    say(what + " ...")
    yield


def start_members(
    config: DeploymentConfig, config_path: Path, home: Path, names: list[str] | None = None
) -> dict[str, DaemonProcess]:
    """Every committee member of `config` (Validium mode), or those in `names`, as its own daemon, each
    ready when it answers."""
    assert config.committee is not None
    started: dict[str, DaemonProcess] = {}
    try:
        for m in config.committee.members:
            if names is not None and m.name not in names:
                continue
            member = DaemonProcess(f"dac-{m.name}", config_path, home, command=["dac", "--member", m.name])
            started[m.name] = member.start(partial(member_answers, m.url))
    except BaseException:
        for member in started.values():
            member.stop()
        raise
    return started


def member_answers(url: str) -> bool:
    try:
        call(url, "dac_health", timeout=1.0, daemon="committee member")
    except RollupError:
        return False
    return True
