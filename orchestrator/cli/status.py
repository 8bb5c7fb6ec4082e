"""`rollup status`: every chain's stage counters side by side, whether each daemon is alive (the holder of
its lock in the home and its heartbeat's age, orchestrator/devnet/lifecycle.py), the sequencer's queue and
the relayer's pending messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.jsonout import emit, json_option
from orchestrator.cli.render import console
from orchestrator.settlement.messages import kind_name

if TYPE_CHECKING:
    from orchestrator.devnet.lifecycle import DaemonStatus
    from orchestrator.relayer.store import StoredMessage


@click.command()
@json_option
@pass_cli
def status(ctx: CliContext, as_json: bool) -> None:
    """Committed, proven, synchronized and executed blocks on each chain (read from the chains)."""
    report = gather(ctx)
    if as_json:
        emit("status/1", report)
    else:
        render(report)


def gather(ctx: CliContext) -> dict[str, Any]:
    """Everything `rollup status` shows, as data (docs/json.md, `rollup.status/1`)."""
    from orchestrator.devnet.lifecycle import daemon_status, stale_after_s
    from orchestrator.errors import RollupError
    from orchestrator.wallet.actions import Network
    from orchestrator.wallet.client import SequencerClient

    config = ctx.config()
    net = Network(config, ctx.home)
    chains = []
    for chain in config.chains:
        f = net.rollup(chain).functions
        chains.append(
            {
                "name": chain.name,
                "role": chain.role.value,
                "rollup_chain_id": chain.rollup_chain_id,
                "evm_chain_id": chain.evm_chain_id,
                "committed": int(f.lastCommittedBlock().call()),
                "proven": int(f.lastProvenBlock().call()) if chain.is_primary else None,
                "synchronized": int(f.lastSynchronizedBlock().call()),
                "executed": int(f.lastExecutedBlock().call()),
                "queued_requests": int(f.pendingPriorityRequests().call()),
            }
        )
    stale = stale_after_s(config.block_time)
    sequencer: dict[str, Any] = _daemon(daemon_status(ctx.home, "sequencer", stale))
    sequencer["rpc"], sequencer["rpc_error"] = None, None
    if sequencer["alive"]:  # ask its RPC only when it runs: a stopped one's port may be anyone's
        try:
            sequencer["rpc"] = SequencerClient(config.sequencer.rpc_url).status()
        except RollupError as exc:
            sequencer["rpc_error"] = str(exc)
    committee = None
    if config.committee is not None:  # Validium: each data committee member is a daemon of this home
        committee = [
            {"member": m.name, **_daemon(daemon_status(ctx.home, f"dac-{m.name}", stale))}
            for m in config.committee.members
        ]
    relayer: dict[str, Any] = _daemon(daemon_status(ctx.home, "relayer", stale))
    relayer["store"] = None
    relayer_db = ctx.home / "relayer.db"
    if relayer_db.exists():
        from orchestrator.relayer.store import RelayerStore

        store = RelayerStore(relayer_db)
        waiting, given_up = store.waiting(), store.given_up()
        store.close()
        relayer["store"] = {
            "waiting": [_message(m) for m in waiting],
            "given_up": [_message(m) for m in given_up],
        }
    return {"chains": chains, "sequencer": sequencer, "committee": committee, "relayer": relayer}


def render(report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="stages per chain", title_justify="left")
    for col in ("chain", "role", "committed", "proven", "synchronized", "executed", "queued requests"):
        table.add_column(col)
    for c in report["chains"]:
        proven = "(primary)" if c["proven"] is None else str(c["proven"])
        counters = (c["committed"], proven, c["synchronized"], c["executed"], c["queued_requests"])
        table.add_row(c["name"], c["role"], *(str(v) for v in counters))
    console.print(table)
    sequencer = report["sequencer"]
    console.print(f"sequencer: {sequencer['summary']}", markup=False)
    if sequencer["rpc_error"] is not None:
        console.print(f"  its RPC: {sequencer['rpc_error']}", markup=False)
    if (s := sequencer["rpc"]) is not None:
        console.print(
            f"  last built block {s['last_block']}, {s['mempool']} L2 transactions waiting, "
            f"{s['queued_requests']} requests seen but not in a block"
        )
        if s.get("data_committee"):
            console.print(f"  {s['data_committee']}", markup=False, soft_wrap=True)
        for refused in s.get("refused_requests", []):
            console.print(f"  refused, its chain's queue waits at it: {refused}", markup=False)
        names = {c["rollup_chain_id"]: c["name"] for c in report["chains"]}
        for p in s.get("payouts_waiting", []):
            tried = f"attempt {p['attempts']} failed: {p['error']}" if p["attempts"] else "not tried yet"
            where = names.get(p["chain"], str(p["chain"]))
            what = f"payout of block {p['block']} to {p['owner']} (token {p['token']}) on {where}"
            console.print(f"  {what}: {tried}", markup=False, soft_wrap=True)
    for member in report["committee"] or []:
        console.print(f"committee member {member['member']}: {member['summary']}", markup=False)
    relayer = report["relayer"]
    console.print(f"relayer: {relayer['summary']}", markup=False)
    if relayer["store"] is None:
        console.print("  no store yet")
        return
    from orchestrator.relayer.store import MAX_ATTEMPTS

    waiting, given_up = relayer["store"]["waiting"], relayer["store"]["given_up"]
    console.print(f"  {len(waiting)} messages waiting for delivery in its store")
    for m in waiting[:10]:
        console.print(f"    {_message_line(m)}", markup=False)
    if given_up:
        console.print(f"  {len(given_up)} messages given up after {MAX_ATTEMPTS} failed deliveries:")
        for m in given_up[:10]:
            console.print(f"    {_message_line(m)}", markup=False)


def _daemon(d: DaemonStatus) -> dict[str, Any]:
    age = None if d.heartbeat_age is None else round(d.heartbeat_age, 1)
    return {"state": d.state, "alive": d.alive, "pid": d.pid, "heartbeat_age_s": age, "summary": d.describe()}


def _message(m: StoredMessage) -> dict[str, Any]:
    return {
        "source_chain_id": m.message.source_chain_id,
        "nonce": m.message.nonce,
        "destination_chain_id": m.message.destination_chain_id,
        "kind": kind_name(m.message.payload),
        "attempts": m.attempts,
        "last_error": m.last_error,
        "tx_hash": m.tx_hash,
    }


def _message_line(m: dict[str, Any]) -> str:
    error = f": {m['last_error']}" if m["last_error"] else ""
    route = f"{m['source_chain_id']}#{m['nonce']} -> {m['destination_chain_id']}"
    return f"{route} ({m['attempts']} attempts{error})"
