"""Shared terminal output: rich tables for chains and deployed contracts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # web3 costs ~1.4 s to import: commands that do not talk to chains skip it
    from orchestrator.chain.addresses import Deployments
    from orchestrator.devnet.launcher import NodeStatus

console = Console(highlight=False, width=None if Console().is_terminal else 120)
# Progress lines of a command run with --json: stdout holds its one document (docs/json.md).
err_console = Console(stderr=True, highlight=False, width=None if Console(stderr=True).is_terminal else 120)

_STATE_STYLE = {"running": "green", "stopped": "red", "unreachable": "red", "not started": "dim"}


def node_status_table(rows: list[NodeStatus]) -> Table:
    table = Table(title="chains", title_justify="left")
    for col in ("chain", "role", "EVM id", "rollup id", "RPC", "pid", "state", "block"):
        table.add_column(col)
    for r in rows:
        style = _STATE_STYLE.get(r.state, "yellow")
        state = f"[{style}]{r.state}[/{style}]" + (f" ({r.detail})" if r.detail else "")
        table.add_row(
            r.name,
            r.role,
            str(r.evm_chain_id),
            str(r.rollup_chain_id),
            r.rpc_url,
            str(r.pid) if r.pid else "-",
            state,
            "-" if r.block_number is None else str(r.block_number),
        )
    return table


def contracts_table(deployments: Deployments) -> Table:
    table = Table(title="deployed contracts", title_justify="left")
    for col in ("chain", "contract", "address", "block"):
        table.add_column(col)
    for chain in deployments.chains.values():
        for key, c in chain.contracts.items():
            table.add_row(chain.name, key, c.address, str(c.block))
    return table
