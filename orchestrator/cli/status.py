"""`rollup status`: every chain's stage counters side by side, whether each daemon is alive (the holder of
its lock in the home and its heartbeat's age, orchestrator/devnet/lifecycle.py), the sequencer's queue and
the relayer's pending messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.render import console

if TYPE_CHECKING:
    from orchestrator.relayer.store import StoredMessage


@click.command()
@pass_cli
def status(ctx: CliContext) -> None:
    """Committed, proven, synchronized and executed blocks on each chain (read from the chains)."""
    from rich.table import Table

    from orchestrator.devnet.lifecycle import daemon_status, stale_after_s
    from orchestrator.errors import RollupError
    from orchestrator.wallet.actions import Network
    from orchestrator.wallet.client import SequencerClient

    config = ctx.config()
    net = Network(config, ctx.home)
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
    stale = stale_after_s(config.block_time)
    sequencer = daemon_status(ctx.home, "sequencer", stale)
    console.print(f"sequencer: {sequencer.describe()}", markup=False)
    if sequencer.alive:  # ask its RPC only when it runs: a stopped one's port may be anyone's
        try:
            s = SequencerClient(config.sequencer.rpc_url).status()
            console.print(
                f"  last built block {s['last_block']}, {s['mempool']} L2 transactions waiting, "
                f"{s['queued_requests']} requests seen but not in a block"
            )
            if s.get("data_committee"):
                console.print(f"  {s['data_committee']}", markup=False, soft_wrap=True)
            for refused in s.get("refused_requests", []):
                console.print(f"  refused, its chain's queue waits at it: {refused}", markup=False)
            names = {c.rollup_chain_id: c.name for c in config.chains}
            for p in s.get("payouts_waiting", []):
                tried = f"attempt {p['attempts']} failed: {p['error']}" if p["attempts"] else "not tried yet"
                where = names.get(p["chain"], str(p["chain"]))
                what = f"payout of block {p['block']} to {p['owner']} (token {p['token']}) on {where}"
                line = f"  {what}: {tried}"
                console.print(line, markup=False, soft_wrap=True)
        except RollupError as exc:
            console.print(f"  its RPC: {exc}", markup=False)
    if config.committee is not None:  # Validium: each data committee member is a daemon of this home
        for member in config.committee.members:
            described = daemon_status(ctx.home, f"dac-{member.name}", stale).describe()
            console.print(f"committee member {member.name}: {described}", markup=False)
    relayer = daemon_status(ctx.home, "relayer", stale)
    console.print(f"relayer: {relayer.describe()}", markup=False)
    relayer_db = ctx.home / "relayer.db"
    if relayer_db.exists():
        from orchestrator.relayer.store import MAX_ATTEMPTS, RelayerStore

        store = RelayerStore(relayer_db)
        waiting, given_up = store.waiting(), store.given_up()
        store.close()
        console.print(f"  {len(waiting)} messages waiting for delivery in its store")
        for m in waiting[:10]:
            console.print(f"    {_message_line(m)}", markup=False)
        if given_up:
            console.print(f"  {len(given_up)} messages given up after {MAX_ATTEMPTS} failed deliveries:")
            for m in given_up[:10]:
                console.print(f"    {_message_line(m)}", markup=False)
    else:
        console.print("  no store yet")


def _message_line(m: StoredMessage) -> str:
    error = f": {m.last_error}" if m.last_error else ""
    route = f"{m.message.source_chain_id}#{m.message.nonce} -> {m.message.destination_chain_id}"
    return f"{route} ({m.attempts} attempts{error})"
