"""Fixtures for tests on live anvil nodes: a devnet file with free ports and a home that is checked clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.config import DeploymentConfig, load_config
from orchestrator.devnet import launcher
from orchestrator.devnet.node import pid_alive
from orchestrator.devnet.state import read_state
from orchestrator.prover.profiles import BlockProver
from tests.helpers import write_devnet


@pytest.fixture
def devnet_file(tmp_path: Path) -> Path:
    path, _ = write_devnet(tmp_path, n=3)
    return path


@pytest.fixture
def config(devnet_file: Path) -> DeploymentConfig:
    return load_config(devnet_file)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """The devnet home; whatever a test leaves running there is stopped, and then it must be empty."""
    path = tmp_path / "home"
    yield path
    state = read_state(path)
    pids = [n.pid for n in state.nodes] + [state.owner_pid] if state else []
    launcher.down(path)
    assert not any(pid_alive(p) for p in pids if p > 1), "a node outlived the test"
    assert not path.exists(), f"files left behind: {list(path.rglob('*'))}"


@pytest.fixture(scope="session")
def test_prover() -> BlockProver:
    """The `test` profile's prover, built once per session (compile and keys are cached, see
    orchestrator/paths.py)."""
    return BlockProver("test")


@pytest.fixture(scope="session")
def validium_prover() -> BlockProver:
    """The `test` profile's prover in Validium mode (circuits/main/test_validium.circom), built once."""
    return BlockProver("test_validium")
