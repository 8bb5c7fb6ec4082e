"""`rollup devnet up|down|status|compose`: the local anvil chains."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import click

from orchestrator.chain.addresses import DEPLOYMENTS_FILE
from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.jsonout import emit, json_option
from orchestrator.cli.render import console, contracts_table, node_status_table
from orchestrator.devnet import launcher
from orchestrator.devnet.compose import render_compose


@click.group()
def devnet() -> None:
    """Start, inspect and stop the local multi-chain devnet (one anvil node per chain)."""


@devnet.command()
@pass_cli
def up(ctx: CliContext) -> None:
    """Start one anvil node per chain of the devnet file and wait until all answer.

    The nodes run in the background under a supervisor until `rollup devnet down`.
    """
    config = ctx.config()
    started = time.monotonic()
    launcher.up(config, ctx.home)
    console.print(f"devnet up: {len(config.chains)} chain(s) in {time.monotonic() - started:.1f} s")
    console.print(node_status_table(launcher.status(config, ctx.home)))


@devnet.command()
@pass_cli
def down(ctx: CliContext) -> None:
    """Stop the sequencer and relayer of this home, then every node of the running devnet, and remove its
    state files and the daemons' stores (works after a partial start too)."""
    report = launcher.down(ctx.home)
    if report.daemons:
        console.print(f"stopped {report.daemon_names} first (their stores go with the devnet)")
    if not report.was_running:
        console.print("no devnet is running")
        return
    msg = f"devnet down: stopped {', '.join(report.stopped) or 'nothing'}"
    if report.already_dead:
        msg += f"; already stopped: {', '.join(report.already_dead)}"
    console.print(msg)


@devnet.command()
@json_option
@pass_cli
def status(ctx: CliContext, as_json: bool) -> None:
    """Show each chain's node: running or not, the chain id it reports, its height, deployed contracts."""
    config = ctx.config()
    nodes = launcher.status(config, ctx.home)
    deployments = None
    if (ctx.home / DEPLOYMENTS_FILE).is_file():
        from orchestrator.chain.addresses import read_deployments

        deployments = read_deployments(ctx.home)
    if as_json:
        contracts = None
        if deployments is not None:
            contracts = {
                chain.name: {
                    key: {"address": c.address, "block": c.block} for key, c in chain.contracts.items()
                }
                for chain in deployments.chains.values()
            }
        emit("devnet-status/1", {"nodes": [asdict(n) for n in nodes], "contracts": contracts})
        return
    console.print(node_status_table(nodes))
    if deployments is not None:
        console.print(contracts_table(deployments))


@devnet.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write here instead of docker-compose.yml beside the devnet directory.",
)
@click.option("--check", is_flag=True, help="Only check that the file is up to date; exit 1 if not.")
@pass_cli
def compose(ctx: CliContext, output: Path | None, check: bool) -> None:
    """Generate docker-compose.yml from the devnet file (one anvil service per chain)."""
    target = output or ctx.config_path.parent.parent / "docker-compose.yml"
    text = render_compose(ctx.config())
    if check:
        if not target.is_file() or target.read_text() != text:
            raise click.ClickException(f"{target} is out of date: run `rollup devnet compose`")
        console.print(f"{target} is up to date")
        return
    target.write_text(text)
    console.print(f"wrote {target}")
