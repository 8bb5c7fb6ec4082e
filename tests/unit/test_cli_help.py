"""`rollup --help` and every subcommand's help say what it does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from orchestrator.cli.main import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    assert "Multi-chain ZK-rollup" in top.output
    # the whole tool, not only the devnet: the four stages and every group of commands
    for words in (
        "commit",
        "prove",
        "synchronize",
        "execute",
        "deposit, transfer, withdraw, full-exit",
        "sequencer, relayer",
        "circuit build",
    ):
        assert words in top.output, words
    paths = _commands(cli)
    assert {("devnet", "up"), ("devnet", "down"), ("devnet", "status"), ("deploy",), ("demo",)} <= set(paths)
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        _usage, _, rest = result.output.partition("\n\n")
        description = rest.split("Options:")[0].strip()
        assert len(description) > 20, f"`rollup {' '.join(path)} --help` does not say what it does"


def test_a_bad_cluster_address_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "--home",
            str(tmp_path),
            "sequencer",
            "--cluster",
            "http://x:1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "error: prover cluster address must be tcp://HOST:PORT (or tls://), got 'http://x:1'"
    ]
    assert list(tmp_path.iterdir()) == []  # nothing written into the home
