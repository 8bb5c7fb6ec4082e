"""`rollup status`: every chain's stage counters side by side, the sequencer's queue, pending messages."""

from __future__ import annotations

import click

from orchestrator.cli.main import CliContext, pass_cli
from orchestrator.cli.render import console


@click.command()
@pass_cli
def status(ctx: CliContext) -> None:
    """Committed, proven, synchronized and executed blocks on each chain (read from the chains)."""
    from rich.table import Table

    from orchestrator.errors import RollupError
    from orchestrator.wallet.actions import Devnet
    from orchestrator.wallet.client import SequencerClient

    config = ctx.config()
    net = Devnet(config, ctx.home)
    table = Table(title="stages per chain", title_justify="left")
    for col in ("chain", "role", "committed", "proven", "synchronized", "executed", "queued requests"):
        table.add_column(col)
    for chain in config.chains:
        f = net.rollup(chain).functions
        proven = str(f.lastProvenBlock().call()) if chain.is_primary else "(primary)"
        table.add_row(
            chain.name,
            chain.role.value,
            str(f.lastCommittedBlock().call()),
            proven,
            str(f.lastSynchronizedBlock().call()),
            str(f.lastExecutedBlock().call()),
            str(f.pendingPriorityRequests().call()),
        )
    console.print(table)
    try:
        s = SequencerClient(config.sequencer.rpc_url).status()
        console.print(
            f"sequencer: last built block {s['last_block']}, {s['mempool']} L2 transactions waiting, "
            f"{s['queued_requests']} requests seen but not in a block"
        )
    except RollupError as exc:
        console.print(f"sequencer: {exc}")
    relayer_db = ctx.home / "relayer.db"
    if relayer_db.exists():
        from orchestrator.relayer.store import RelayerStore

        store = RelayerStore(relayer_db)
        waiting = store.waiting()
        store.close()
        console.print(f"relayer: {len(waiting)} messages waiting for delivery")
        for m in waiting[:10]:
            console.print(
                f"  {m.message.source_chain_id}#{m.message.nonce} -> {m.message.destination_chain_id}"
                f" ({m.attempts} attempts{': ' + m.last_error if m.last_error else ''})"
            )
    else:
        console.print("relayer: no store yet (has `rollup relayer` run?)")
