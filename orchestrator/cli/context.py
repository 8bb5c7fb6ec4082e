"""What every command gets from the `rollup` group: the devnet file and the home, resolved once.

Its own module so that the command modules and `cli/main.py` (which registers them) do not import each
other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from orchestrator.config import DeploymentConfig, load_config


@dataclass
class CliContext:
    config_path: Path
    home: Path

    def config(self) -> DeploymentConfig:
        return load_config(self.config_path)


pass_cli = click.make_pass_decorator(CliContext)
