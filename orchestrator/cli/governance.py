"""`rollup governance status`: who can change each chain, and whether that holds the trust model of
docs/security.md (the timelock owns everything, its delay outlasts the exodus window, the deployer kept
no role). Read-only; anyone can run it against a deployment before trusting it with funds."""

from __future__ import annotations

import click
from rich.table import Table

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.render import console


@click.group()
def governance() -> None:
    """Who can change the deployed contracts, and with what delay (docs/security.md)."""


@governance.command()
@pass_cli
def status(ctx: CliContext) -> None:
    """Per chain: the timelock and its delay, owners, the deployer's and governor's roles, the guardian and
    any pause, the implementations. Exits 1 if anything breaks the trust model."""
    from eth_account import Account
    from web3 import Web3

    from orchestrator.chain.addresses import TIMELOCK, read_deployments
    from orchestrator.chain.governance import governance_facts
    from orchestrator.chain.handle import open_chains
    from orchestrator.contracts.compiler import compile_contracts

    config = ctx.config()
    keys = config.keys
    chains = open_chains(config, read_deployments(ctx.home), keys.deployer)
    deployer, governor = Account.from_key(keys.deployer).address, Account.from_key(keys.governor).address
    abi = compile_contracts()[TIMELOCK].abi
    table = Table(title="governance per chain", title_justify="left")
    for col in ("chain", "what", "value", ""):
        table.add_column(col)
    unsafe = 0
    for chain in chains.values():
        address = Web3.to_checksum_address(chain.deployment.contracts[TIMELOCK].address)
        timelock = chain.w3.eth.contract(address=address, abi=abi)
        window = config.rollup.priority_expiration_seconds
        for fact in governance_facts(chain, timelock, deployer, governor, window):
            unsafe += not fact.safe
            table.add_row(fact.chain, fact.what, fact.value, "" if fact.safe else "UNSAFE")
    console.print(table)
    if unsafe:
        console.print(f"{unsafe} findings break the trust model of docs/security.md", markup=False)
        raise SystemExit(1)
    console.print("every chain: changes wait out the timelock's delay, longer than the exodus window")
