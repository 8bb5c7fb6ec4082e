"""`rollup exodus status|activate|exit|refund` and `rollup restore`: the way out when the operator stops
(docs/exodus.md).

Every command works with the sequencer and its store gone: it reads the chains (the address book, events
and calldata) and acts with the wallet's own L1 key. Exits and refunds wait until paid, saying what they
wait for; messages between chains need a relayer, which anyone may run (`rollup relayer`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.render import console

if TYPE_CHECKING:
    from orchestrator.exodus.flows import ExodusNetwork


def _say(line: str) -> None:
    console.print(line, markup=False, soft_wrap=True)


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
@pass_cli
def status(ctx: CliContext) -> None:
    """Per chain: exodus active or not, R, decided blocks executed, vaults and what exits can be paid."""
    net = _network(ctx)
    table = Table(title="exodus per chain", title_justify="left")
    for col in ("chain", "exodus", "R", "blocks up to R executed", "vault", "exits payable"):
        table.add_column(col)
    for row in net.status():
        e = row.exodus
        tokens = [net.tokens[s] for s in row.vaults]
        table.add_row(
            row.name,
            "active" if e.active else "off",
            str(e.reference_block) if e.reference_known else "-",
            ("yes" if e.finished else "no") if e.reference_known else "-",
            ", ".join(t.format(max(row.vaults[t.symbol], 0)) for t in tokens),
            ", ".join(
                "not reported" if row.payable[t.symbol] is None else t.format(row.payable[t.symbol] or 0)
                for t in tokens
            ),
        )
    console.print(table)
    _say(f"exits done: {net.exits_done()}")


@exodus.command()
@click.option("--chain", "chain_name", required=True, help="Chain whose missed deadline starts exodus.")
@click.option(
    "--wallet", "wallet_name", default=None, help="Pay the gas from this wallet (default: deployer)."
)
@pass_cli
def activate(ctx: CliContext, chain_name: str, wallet_name: str | None) -> None:
    """Start exodus on --chain: anyone may, once its oldest unexecuted request is past its deadline."""
    from orchestrator.wallet.keys import load_wallet

    key = load_wallet(ctx.home, wallet_name).l1_key if wallet_name else None
    net = _network(ctx, key)
    net.activate(net.chain(chain_name), _say)


@exodus.command("exit")
@click.argument("wallet_name")
@click.argument("token")
@click.option(
    "--chain",
    "chain_names",
    multiple=True,
    help="Chain to pay on; repeat to split over several, in order (default: the primary, then the rest).",
)
@pass_cli
def exit_(ctx: CliContext, wallet_name: str, token: str, chain_names: tuple[str, ...]) -> None:
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
    prover = ExitProver(net.profile.name, console.status)
    paid = net.exit(wallet, tok, payers, prover, _say)
    _say(f"{wallet_name} exited {tok.format(paid)}")


@exodus.command()
@click.argument("wallet_name")
@pass_cli
def refund(ctx: CliContext, wallet_name: str) -> None:
    """Refund wallet WALLET_NAME's deposits that no block at or below R included, on the chains where
    they were made, and pay them out."""
    from orchestrator.wallet.keys import load_wallet

    wallet = load_wallet(ctx.home, wallet_name)
    net = _network(ctx, wallet.l1_key)
    net.refund(wallet, _say)


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
@pass_cli
def restore(ctx: CliContext, block: int | None, account: int | None, out: Path | None) -> None:
    """Rebuild the L2 state from the primary's commit calldata alone (no sequencer, no store), check its
    root against the chain, and optionally prove an account's exit from it. In Validium mode the L2 data
    comes from the data committee's members, each block's checked against the hash on chain."""
    import json

    from orchestrator.chain.clients import Stage
    from orchestrator.exodus.restore import restore as restore_state
    from orchestrator.l2.exit import exit_claim
    from orchestrator.prover.profiles import ExitProver

    net = _network(ctx)
    primary = net.primary
    from orchestrator.exodus.exits import ChainExodus

    e = ChainExodus.read(primary)
    if block is None:
        block = e.reference_block if e.reference_known else primary.rollup.counter(Stage.SYNCHRONIZED)
    restored = restore_state(primary, net.profile, block, _say, net.sections())
    state = restored.state
    accounts = sum(1 for _, a in state.items() if a.exists)
    _say(
        f"block {block}: root {state.root:#066x} matches {primary.name}; {accounts} accounts; "
        f"{restored.records} records replayed at {restored.records_per_second:,.0f} per second"
    )
    if account is None:
        return
    claim = exit_claim(state, account)
    proof = ExitProver(net.profile.name, console.status).prove(claim)
    leaf = claim.leaf
    owner = f"{leaf.eth_address:#042x}"
    _say(f"account {account}: owner {owner}, token {leaf.token}, balance {leaf.balance}; exit proven")
    if out is not None:
        data = {
            "block": block,
            "account": account,
            "public_signals": [str(v) for v in claim.public_signals],
            "proof": proof.to_snarkjs(),
        }
        out.write_text(json.dumps(data, indent=2))
        _say(f"exit proof written to {out}")
