"""docker-compose.yml mirrors devnet/devnet.toml, and Docker's own client accepts it where it exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator.config import load_config
from orchestrator.devnet.compose import render_compose
from orchestrator.testing.devnets import write_settlement_devnet
from tests.helpers import REPO


def test_compose_file_is_generated_from_devnet_file() -> None:
    config = load_config(REPO / "devnet" / "devnet.toml")
    committed = (REPO / "docker-compose.yml").read_text()
    assert committed == render_compose(config), "docker-compose.yml is stale: run `rollup devnet compose`"
    for chain in config.chains:
        assert f"anvil-{chain.name}:" in committed
        assert f'"--chain-id", "{chain.evm_chain_id}"' in committed
        assert f'"127.0.0.1:{chain.port}:{chain.port}"' in committed
    for service in ("deploy", "sequencer", "relayer"):  # the orchestrator, after the chains are healthy
        assert f"  {service}:\n    build:" in committed
    assert committed.count("condition: service_completed_successfully") == 2


def _compose_cli() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    compose = _compose_cli()
    if compose is None:
        pytest.skip("no docker compose client on this machine (the generator test above still ran)")
    result = subprocess.run(
        [*compose, "-f", str(REPO / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_validium_devnet_runs_each_committee_member_before_the_sequencer(tmp_path: Path) -> None:
    config = load_config(write_settlement_devnet(tmp_path, 2, 990100, committee=(2, 3)))
    rendered = render_compose(config)
    for name in ("dac1", "dac2", "dac3"):
        assert f"  dac-{name}:\n" in rendered and f'command: ["dac", "--member", "{name}"]' in rendered
    sequencer = rendered[rendered.index("  sequencer:") : rendered.index("  relayer:")]
    assert sequencer.count("condition: service_started") == 3
