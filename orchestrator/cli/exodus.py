"""`rollup exodus status|activate|exit|refund` and `rollup restore`: the way out when the operator stops
(docs/exodus.md).

Every command works with the sequencer and its store gone: it reads the chains (the address book, events
and calldata) and acts with the wallet's own L1 key. Exits and refunds wait until paid, saying what they
wait for; messages between chains need a relayer, which anyone may run (`rollup relayer`).

With `--json` each prints one document (docs/json.md, `rollup.exodus-<verb>/1`) and says its progress on
stderr instead.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.jsonout import emit, json_option
from orchestrator.cli.render import console, err_console

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from _typeshed import DataclassInstance

    from orchestrator.exodus.flows import ExodusNetwork
    from orchestrator.wallet.resolve import Token


def _say(line: str) -> None:
    console.print(line, markup=False, soft_wrap=True)


def _progress(as_json: bool) -> Console:
    """Where a command's progress goes: with its text on stdout, or on stderr under --json."""
    return err_console if as_json else console


def _sayer(as_json: bool) -> Callable[[str], None]:
    out = _progress(as_json)
    return lambda line: out.print(line, markup=False, soft_wrap=True)


def _network(ctx: CliContext, key: str | None = None) -> ExodusNetwork:
    from orchestrator.exodus.flows import ExodusNetwork
    from orchestrator.wallet.actions import Network

    config = ctx.config()
    user = Network(config, ctx.home)  # the token list; refuses a home without deployments in one line
    return ExodusNetwork(config, ctx.home, key or config.keys.deployer, user.tokens)


@click.group()
def exodus() -> None:
    """Leave without the operator: exodus status, activation, exits and refunds (docs/exodus.md)."""


@exodus.command()
@json_option
@pass_cli
def status(ctx: CliContext, as_json: bool) -> None:
    """Per chain: exodus active or not, R, decided blocks executed, vaults and what exits can be paid."""
    net = _network(ctx)
    report = gather_status(net)
    if as_json:
        emit("exodus-status/1", report)
    else:
        render_status(report, net.tokens)


def gather_status(net: ExodusNetwork) -> dict[str, Any]:
    """Everything `rollup exodus status` shows, as data (docs/json.md, `rollup.exodus-status/1`)."""
    chains = []
    for row in net.status():
        e = row.exodus
        tokens = [
            {
                "token": symbol,
                "vault": str(vault),
                "payable": None if row.payable[symbol] is None else str(row.payable[symbol]),
            }
            for symbol, vault in row.vaults.items()
        ]
        chains.append(
            {
                "name": row.name,
                "rollup_chain_id": net.chain(row.name).id,
                "active": e.active,
                "reference_block": e.reference_block if e.reference_known else None,
                "finished": e.finished if e.reference_known else None,
                "tokens": tokens,
            }
        )
    return {"chains": chains, "exits_done": net.exits_done()}


def render_status(report: dict[str, Any], tokens: dict[str, Token]) -> None:
    from rich.table import Table

    table = Table(title="exodus per chain", title_justify="left")
    for col in ("chain", "exodus", "R", "blocks up to R executed", "vault", "exits payable"):
        table.add_column(col)
    for c in report["chains"]:
        rows = [(tokens[t["token"]], t) for t in c["tokens"]]
        finished = c["finished"]
        table.add_row(
            c["name"],
            "active" if c["active"] else "off",
            "-" if c["reference_block"] is None else str(c["reference_block"]),
            "-" if finished is None else ("yes" if finished else "no"),
            ", ".join(tok.format(max(int(t["vault"]), 0)) for tok, t in rows),
            ", ".join(
                "not reported" if t["payable"] is None else tok.format(int(t["payable"])) for tok, t in rows
            ),
        )
    console.print(table)
    _say(f"exits done: {report['exits_done']}")


@exodus.command()
@click.option("--chain", "chain_name", required=True, help="Chain whose missed deadline starts exodus.")
@click.option(
    "--wallet", "wallet_name", default=None, help="Pay the gas from this wallet (default: deployer)."
)
@json_option
@pass_cli
def activate(ctx: CliContext, chain_name: str, wallet_name: str | None, as_json: bool) -> None:
    """Start exodus on --chain: anyone may, once its oldest unexecuted request is past its deadline."""
    from orchestrator.wallet.keys import load_wallet

    key = load_wallet(ctx.home, wallet_name).l1_key if wallet_name else None
    net = _network(ctx, key)
    chain = net.chain(chain_name)
    tx_hash = net.activate(chain, _sayer(as_json))
    if as_json:
        emit("exodus-activate/1", {"chain": chain.name, "rollup_chain_id": chain.id, "tx_hash": tx_hash})


@exodus.command("exit")
@click.argument("wallet_name")
@click.argument("token")
@click.option(
    "--chain",
    "chain_names",
    multiple=True,
    help="Chain to pay on; repeat to split over several, in order (default: the primary, then the rest).",
)
@json_option
@pass_cli
def exit_(ctx: CliContext, wallet_name: str, token: str, chain_names: tuple[str, ...], as_json: bool) -> None:
    """Exit wallet WALLET_NAME's whole TOKEN balance at R: restore the state from L1, prove, claim on the
    primary, and wait until paid on the --chain(s), each as far as its vault allows."""
    from orchestrator.prover.profiles import ExitProver
    from orchestrator.wallet.keys import load_wallet

    wallet = load_wallet(ctx.home, wallet_name)
    net = _network(ctx, wallet.l1_key)
    tok = net.tokens.get(token.upper())
    if tok is None:
        raise click.UsageError(f"no token {token!r} (tokens: {', '.join(net.tokens)})")
    payers = [net.chain(name) for name in chain_names]
    prover = ExitProver(net.profile.name, _progress(as_json).status)
    paid = net.exit(wallet, tok, payers, prover, _sayer(as_json))
    if not as_json:
        _say(f"{wallet_name} exited {tok.format(paid)}")
        return
    j = net.journal
    body = {"wallet": wallet_name, "address": wallet.address, "token": tok.symbol, "paid": str(paid)}
    facts = _facts(
        executed=j.executed, liquidity_reports=j.liquidity_reports, exits=j.exits, payouts=j.payouts
    )
    emit("exodus-exit/1", {**body, "reference_block": j.reference_block, **facts})


@exodus.command()
@click.argument("wallet_name")
@json_option
@pass_cli
def refund(ctx: CliContext, wallet_name: str, as_json: bool) -> None:
    """Refund wallet WALLET_NAME's deposits that no block at or below R included, on the chains where
    they were made, and pay them out."""
    from orchestrator.wallet.keys import load_wallet

    wallet = load_wallet(ctx.home, wallet_name)
    net = _network(ctx, wallet.l1_key)
    net.refund(wallet, _sayer(as_json))
    if as_json:
        j = net.journal
        facts = _facts(executed=j.executed, refunds=j.refunds, payouts=j.payouts)
        emit("exodus-refund/1", {"wallet": wallet_name, "address": wallet.address, **facts})


def _facts(**kinds: Sequence[DataclassInstance]) -> dict[str, list[dict[str, Any]]]:
    """The journal's records (flows.Journal) as JSON rows: amounts as base-unit strings, an exit's split as
    a list."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, records in kinds.items():
        rows = []
        for record in records:
            row = asdict(record)
            if "amount" in row:
                row["amount"] = str(row["amount"])
            if "paid_on" in row:
                row["paid_on"] = [{"chain": c, "amount": str(a)} for c, a in row["paid_on"].items()]
            rows.append(row)
        out[kind] = rows
    return out


@click.command()
@click.option(
    "--block",
    "block",
    type=click.IntRange(min=0),
    default=None,
    help="Block to restore (default: R in exodus, else the last synchronized).",
)
@click.option(
    "--account", "account", type=click.IntRange(min=0), default=None, help="Also prove this account's exit."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the exit proof here (JSON).",
)
@json_option
@pass_cli
def restore(ctx: CliContext, block: int | None, account: int | None, out: Path | None, as_json: bool) -> None:
    """Rebuild the L2 state from the primary's commit calldata alone (no sequencer, no store), check its
    root against the chain, and optionally prove an account's exit from it. In Validium mode the L2 data
    comes from the data committee's members, each block's checked against the hash on chain."""
    report = gather_restore(ctx, block, account, out, _progress(as_json))
    if as_json:
        emit("exodus-restore/1", report)
    else:
        render_restore(report)


def gather_restore(
    ctx: CliContext, block: int | None, account: int | None, out: Path | None, progress: Console
) -> dict[str, Any]:
    """Restore (and prove, and write the proof) as `rollup restore` does; what it found, as data
    (docs/json.md, `rollup.exodus-restore/1`)."""
    import json

    from orchestrator.chain.clients import Stage
    from orchestrator.exodus.exits import ChainExodus
    from orchestrator.exodus.restore import restore as restore_state
    from orchestrator.l2.exit import exit_claim
    from orchestrator.prover.profiles import ExitProver

    net = _network(ctx)
    primary = net.primary
    e = ChainExodus.read(primary)
    if block is None:
        block = e.reference_block if e.reference_known else primary.rollup.counter(Stage.SYNCHRONIZED)

    def say(line: str) -> None:
        progress.print(line, markup=False, soft_wrap=True)

    restored = restore_state(primary, net.profile, block, say, net.sections())
    state = restored.state
    report: dict[str, Any] = {
        "block": block,
        "primary": primary.name,
        "state_root": f"{state.root:#066x}",
        "accounts": sum(1 for _, a in state.items() if a.exists),
        "records": restored.records,
        "seconds": restored.seconds,
        "exit": None,
    }
    if account is None:
        return report
    claim = exit_claim(state, account)
    proof = ExitProver(net.profile.name, progress.status).prove(claim)
    leaf = claim.leaf
    proven = {
        "block": block,
        "account": account,
        "public_signals": [str(v) for v in claim.public_signals],
        "proof": proof.to_snarkjs(),
    }
    if out is not None:
        out.write_text(json.dumps(proven, indent=2))
    symbols = {t.l2_id: t.symbol for t in net.tokens.values()}
    report["exit"] = {
        "account": account,
        "owner": f"{leaf.eth_address:#042x}",
        "token": symbols.get(leaf.token),
        "token_id": leaf.token,
        "balance": str(leaf.balance),
        "public_signals": proven["public_signals"],
        "proof": proven["proof"],
        "written_to": None if out is None else str(out),
    }
    return report


def render_restore(report: dict[str, Any]) -> None:
    records, seconds = report["records"], report["seconds"]
    rate = records / seconds if seconds > 0 else float("inf")  # as Restored.records_per_second
    _say(
        f"block {report['block']}: root {report['state_root']} matches {report['primary']}; "
        f"{report['accounts']} accounts; {records} records replayed at {rate:,.0f} per second"
    )
    if (proven := report["exit"]) is None:
        return
    _say(
        f"account {proven['account']}: owner {proven['owner']}, token {proven['token_id']}, "
        f"balance {proven['balance']}; exit proven"
    )
    if proven["written_to"] is not None:
        _say(f"exit proof written to {proven['written_to']}")
