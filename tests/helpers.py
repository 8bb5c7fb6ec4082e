"""Helpers shared by the tests: devnet files with free ports, running the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.devnet.node import free_ports

REPO = Path(__file__).resolve().parent.parent

KEYS = """
[test_keys]
deployer = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
operator = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
validators = ["0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"]
validator_threshold = 1
governor = "0xf214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897"
guardian = "0x701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82"

[[tokens]]
symbol = "USDC"
name = "Test USD Coin"
decimals = 6
"""


@dataclass(frozen=True)
class ChainSpec:
    name: str
    evm_chain_id: int
    port: int
    role: str


def chains_toml(chains: list[ChainSpec], tokens: bool = True) -> str:
    parts = []
    for i, c in enumerate(chains):
        token_list = '["USDC"]' if tokens else "[]"
        parts.append(
            f'[[chains]]\nname = "{c.name}"\nrole = "{c.role}"\nevm_chain_id = {c.evm_chain_id}\n'
            f"rollup_chain_id = {i + 1}\nport = {c.port}\ntokens = {token_list}\nconfirmations = 0\n"
        )
    return "\n".join(parts)


def write_devnet(tmp: Path, n: int = 3, base_chain_id: int = 910000) -> tuple[Path, list[ChainSpec]]:
    """A devnet file with n chains on free ports (first primary); returns its path and the chains."""
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    chains = [
        ChainSpec(names[i], base_chain_id + i + 1, port, "primary" if i == 0 else "secondary")
        for i, port in enumerate(free_ports(n))
    ]
    path = tmp / "devnet.toml"
    path.write_text("[devnet]\nblock_time = 0\n" + KEYS + "\n" + chains_toml(chains))
    return path, chains


def run_rollup(
    *args: str,
    config: Path | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the `rollup` console script as a user would, capturing its output."""
    cmd = [str(Path(sys.executable).parent / "rollup")]
    if config is not None:
        cmd += ["--config", str(config)]
    if home is not None:
        cmd += ["--home", str(home)]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, env=full_env, timeout=timeout, check=False
    )


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def assert_one_error_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """A user error: exit code 1, exactly one line on stderr starting with 'error:', no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
