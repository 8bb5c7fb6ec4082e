"""The devnet launcher on live anvil nodes: up, status, down, and every way a start can go wrong."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orchestrator.config import DeploymentConfig, load_config
from orchestrator.devnet import launcher
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.devnet.node import pid_alive, port_in_use, rpc_call
from orchestrator.devnet.state import read_state
from orchestrator.errors import DevnetError
from orchestrator.paths import anvil_binary
from tests.helpers import assert_one_error_line, run_rollup, wait_until, write_devnet

pytestmark = pytest.mark.integration


def _chain_id(url: str) -> int:
    return int(str(rpc_call(url, "eth_chainId")), 16)


def test_cli_up_status_down(devnet_file: Path, config: DeploymentConfig, home: Path) -> None:
    result = run_rollup("devnet", "up", config=devnet_file, home=home)
    assert result.returncode == 0, result.stderr
    state = read_state(home)
    assert state is not None and state.status == "ready" and state.mode == "supervised"
    for chain in config.chains:
        assert _chain_id(chain.rpc_url) == chain.evm_chain_id  # read back from the node itself
    status = run_rollup("devnet", "status", config=devnet_file, home=home)
    assert status.returncode == 0
    assert status.stdout.count("running") == 3
    as_json = run_rollup("devnet", "status", "--json", config=devnet_file, home=home)
    doc = json.loads(as_json.stdout)  # docs/json.md, rollup.devnet-status/1
    assert doc["schema"] == "rollup.devnet-status/1" and doc["contracts"] is None  # nothing deployed
    nodes = [(n["name"], n["evm_chain_id"], n["state"]) for n in doc["nodes"]]
    assert nodes == [(c.name, c.evm_chain_id, "running") for c in config.chains]
    assert all(isinstance(n["block_number"], int) and n["pid"] for n in doc["nodes"])
    again = run_rollup("devnet", "up", config=devnet_file, home=home)
    assert_one_error_line(again, "already running")
    down = run_rollup("devnet", "down", config=devnet_file, home=home)
    assert down.returncode == 0 and "stopped alpha, beta, gamma" in down.stdout
    assert not any(pid_alive(n.pid) for n in state.nodes)
    assert not pid_alive(state.owner_pid)
    assert not home.exists()
    assert not any(port_in_use(c.port) for c in config.chains if c.port)
    assert "no devnet is running" in run_rollup("devnet", "down", config=devnet_file, home=home).stdout


@pytest.mark.parametrize("count", [1, 8])
def test_any_chain_count_from_one_to_eight(tmp_path: Path, count: int) -> None:
    path, chains = write_devnet(tmp_path, n=count, base_chain_id=920000)
    home = tmp_path / "home"
    with LocalNodes(load_config(path), home) as net:
        assert len(net.nodes) == count
        assert [_chain_id(n.rpc_url) for n in net.nodes] == [c.evm_chain_id for c in chains]
    assert not home.exists()


def test_port_in_use_is_one_error_line_and_starts_nothing(
    devnet_file: Path, config: DeploymentConfig, home: Path
) -> None:
    busy = config.chains[1]
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", busy.port or 0))
        blocker.listen()
        result = run_rollup("devnet", "up", config=devnet_file, home=home)
    assert_one_error_line(result, f"port {busy.port}", "'beta'", "already in use")
    assert not port_in_use(config.chains[0].port or 0), "the first chain was started anyway"
    assert not home.exists()


def test_missing_binary_is_one_error_line(devnet_file: Path, home: Path) -> None:
    result = run_rollup(
        "devnet", "up", config=devnet_file, home=home, env={"ANVIL_BIN": "/nonexistent/anvil"}
    )
    assert_one_error_line(result, "ANVIL_BIN=/nonexistent/anvil")


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (("evm_chain_id = 910002", "evm_chain_id = 910001"), "same EVM chain id 910001"),
        (('role = "primary"', 'role = "secondary"'), "no chain has role = 'primary'"),
        (
            ('name = "beta"\nrole = "secondary"', 'name = "beta"\nrole = "primary"'),
            "exactly one chain may be primary",
        ),
    ],
)
def test_bad_config_is_one_error_line(
    devnet_file: Path, home: Path, replace: tuple[str, str], message: str
) -> None:
    text = devnet_file.read_text()
    assert replace[0] in text
    devnet_file.write_text(text.replace(replace[0], replace[1], 1))
    assert_one_error_line(run_rollup("devnet", "up", config=devnet_file, home=home), message)
    assert not home.exists()


def test_node_killed_from_outside(config: DeploymentConfig, home: Path) -> None:
    with LocalNodes(config, home) as net:
        victim = net.nodes[1]
        os.kill(victim.pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(victim.pid), what="the node to die")
        rows = {r.name: r for r in launcher.status(config, home)}
        assert rows["beta"].state == "stopped" and f"pid {victim.pid} is not running" in rows["beta"].detail
        assert rows["alpha"].state == "running" and rows["gamma"].state == "running"
        report = launcher.down(home)
        assert report.already_dead == ["beta"] and set(report.stopped) == {"alpha", "gamma"}
    assert not home.exists()


def _hanging_anvil(tmp_path: Path, hang_chain_id: int) -> Path:
    """An ANVIL_BIN that starts real anvil, except for one chain id, whose node never answers."""
    wrapper = tmp_path / "anvil"
    wrapper.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        case "$*" in *"--chain-id {hang_chain_id} "*) exec sleep 60;; esac
        exec {anvil_binary()} "$@"
    """)
    )
    wrapper.chmod(0o755)
    return wrapper


def test_killed_supervisor_mid_start_leaves_no_orphan_and_down_cleans(
    tmp_path: Path, devnet_file: Path, config: DeploymentConfig, home: Path
) -> None:
    env = {**os.environ, "ANVIL_BIN": str(_hanging_anvil(tmp_path, config.chains[2].evm_chain_id))}
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.devnet.supervisor", str(devnet_file), str(home)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: (s := read_state(home)) is not None and len(s.nodes) == 3, what="3 nodes spawned")
        state = read_state(home)
        assert state is not None and state.status == "starting"
        supervisor.kill()  # SIGKILL: no chance to clean up
        supervisor.wait()
        wait_until(lambda: not any(pid_alive(n.pid) for n in state.nodes), what="the nodes to die with it")
    finally:
        supervisor.kill()
        supervisor.wait()
    report = launcher.down(home)  # the stale, partial state file
    assert report.was_running and not home.exists()


def test_killed_python_owner_leaves_no_orphan(devnet_file: Path, home: Path) -> None:
    script = (
        "import sys, time; from pathlib import Path; from orchestrator.config import load_config; "
        "from orchestrator.devnet.launcher import LocalNodes; "
        "d = LocalNodes(load_config(Path(sys.argv[1])), Path(sys.argv[2])); d.start(); "
        "print(' '.join(str(n.pid) for n in d.nodes), flush=True); time.sleep(60)"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, str(devnet_file), str(home)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 3 and all(pid_alive(p) for p in pids)
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        wait_until(lambda: not any(pid_alive(p) for p in pids), what="the nodes to die with their owner")
    finally:
        owner.kill()
        owner.wait()
    launcher.down(home)


def test_failed_start_stops_the_nodes_already_started(
    tmp_path: Path, config: DeploymentConfig, home: Path
) -> None:
    wrapper = tmp_path / "anvil-fails"
    failing = config.chains[2].evm_chain_id
    wrapper.write_text(
        f'#!/bin/sh\ncase "$*" in *"--chain-id {failing} "*) echo "boom: cannot start" >&2; exit 3;; esac\n'
        f'exec {anvil_binary()} "$@"\n'
    )
    wrapper.chmod(0o755)
    os.environ["ANVIL_BIN"] = str(wrapper)
    try:
        with pytest.raises(DevnetError, match=r"'gamma' exited at start \(code 3\): boom: cannot start"):
            LocalNodes(config, home).start()
    finally:
        del os.environ["ANVIL_BIN"]
    assert not any(port_in_use(c.port or 0) for c in config.chains)
    assert not home.exists()
