"""`rollup demo`: bring a devnet up, deploy, show every chain, and tear everything down.

The rollup scenario (deposits, transfers, withdrawals through the four stages) joins as the daemons land;
until then the demo shows the foundation they stand on.
"""

from __future__ import annotations

import time

import click

from orchestrator.cli.main import CliContext, pass_cli
from orchestrator.cli.render import chain_status_table, console, contracts_table
from orchestrator.devnet import launcher
from orchestrator.devnet.launcher import Devnet
from orchestrator.errors import DeployError


@click.command()
@pass_cli
def demo(ctx: CliContext) -> None:
    """Run the demo on a fresh devnet: start the chains, deploy, print each chain's state, stop."""
    from web3 import Web3

    from orchestrator.contracts.deploy import connect, deploy_all
    from orchestrator.prover.profiles import profile_keys

    config = ctx.config()
    _, keys = profile_keys(config.rollup.profile, console.status)
    started = time.monotonic()
    with Devnet(config, ctx.home) as net:
        console.print(f"[bold]1/3[/bold] devnet up: {len(net.nodes)} anvil node(s) in "
                      f"{time.monotonic() - started:.1f} s")  # fmt: skip
        t = time.monotonic()
        deployments = deploy_all(config, ctx.home, keys.verifying_key)
        console.print(f"[bold]2/3[/bold] deployed to every chain in {time.monotonic() - t:.1f} s")
        console.print(chain_status_table(launcher.status(config, ctx.home)))
        console.print(contracts_table(deployments))
        console.print("[bold]3/3[/bold] reading the deployed code back from every chain")
        for chain in config.chains:
            w3 = connect(chain)
            for key, contract in deployments.chains[chain.name].contracts.items():
                size = len(w3.eth.get_code(Web3.to_checksum_address(contract.address)))
                if size == 0:
                    raise DeployError(f"chain {chain.name!r}: no code at {contract.address} ({key})")
                console.print(f"  {chain.name:<8} {key:<16} {contract.address}  {size} bytes of code")
    console.print(f"devnet down; demo finished in {time.monotonic() - started:.1f} s")
