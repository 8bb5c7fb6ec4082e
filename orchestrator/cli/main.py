"""`rollup`: the command line of the multi-chain ZK-rollup.

Every command group lives in its own module; this one wires them together, carries the shared options
(--config, --home) and turns any RollupError into one error line on stderr with exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestrator.cli import (
    circuit,
    daemons,
    demo,
    deploy,
    devnet,
    exodus,
    explorer,
    governance,
    status,
    wallet,
)
from orchestrator.cli.context import CliContext
from orchestrator.errors import RollupError
from orchestrator.paths import default_config_path, default_home


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="ROLLUP_CONFIG",
    default=None,
    help="Devnet description (default: devnet/devnet.toml of the project; env ROLLUP_CONFIG).",
)
@click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="ROLLUP_HOME",
    default=None,
    help="Where the running devnet keeps state, logs and deployments (default: .devnet; env ROLLUP_HOME).",
)
@click.version_option(package_name="orchestrator", prog_name="rollup")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, home: Path | None) -> None:
    """Multi-chain ZK-rollup: one L2 settled on several EVM chains.

    Every L2 block settles on every chain in four stages: commit, prove (one Groth16 proof on the
    primary), synchronize (secondaries' sync hashes checked by the primary) and execute (withdrawals
    paid on each chain).

    \b
    Run it:        devnet up|down|status, deploy, sequencer, relayer, status, demo
    Use it:        account create|list, deposit, transfer, withdraw, full-exit, claim, balance
    Build it:      circuit build|info
    Trust it:      governance status (who can change what, with what delay)
    Leave it:      exodus status|activate|exit|refund, restore
    Start here:    rollup demo (everything on a fresh devnet), or see README.md.
    """
    ctx.obj = CliContext(
        config_path=(config_path or default_config_path()).resolve(),
        home=(home or default_home()).resolve(),
    )


w = wallet
for command in (
    devnet.devnet,
    deploy.deploy,
    demo.demo,
    circuit.circuit,
    daemons.sequencer,
    daemons.relayer,
    daemons.dac,
    status.status,
    explorer.explorer,
    w.account,
    w.deposit,
    w.transfer,
    w.withdraw,
    w.full_exit,
    w.claim,
    w.balance,
    exodus.exodus,
    exodus.restore,
    governance.governance,
):
    cli.add_command(command)


def main() -> None:
    """Console entry point: user errors are one line, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except RollupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
