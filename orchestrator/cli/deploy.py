"""`rollup deploy`: compile and deploy the contracts to every chain of the running devnet."""

from __future__ import annotations

import time

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.render import console, contracts_table


@click.command()
@pass_cli
def deploy(ctx: CliContext) -> None:
    """Deploy the contracts to every chain and write the deployments file the other commands read."""
    from orchestrator.chain.abis import abi_dir
    from orchestrator.chain.addresses import deployments_path
    from orchestrator.chain.connect import connect
    from orchestrator.chain.deploy import deploy_all  # imports web3
    from orchestrator.prover.profiles import exit_profile_keys, profile_keys

    config = ctx.config()
    started = time.monotonic()
    for chain in config.chains:  # a stopped devnet is one error line, before any circuit work
        connect(chain)
    _, keys = profile_keys(config.rollup.circuit.circuit, console.status)
    _, exit_keys = exit_profile_keys(config.rollup.circuit.circuit, console.status)
    deployments = deploy_all(config, ctx.home, keys.verifying_key, exit_keys.verifying_key)
    console.print(
        f"deployed to {len(deployments.chains)} chain(s) in {time.monotonic() - started:.1f} s; "
        f"addresses in {deployments_path(ctx.home)}, ABIs in {abi_dir(ctx.home)}/chain-<id>/"
    )
    console.print(contracts_table(deployments))
