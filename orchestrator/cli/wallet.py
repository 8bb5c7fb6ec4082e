"""The user's verbs: `rollup account create|list`, `deposit`, `transfer`, `withdraw`, `full-exit`, `balance`.

Wallets live under --home (TEST-ONLY plain key files, see orchestrator/wallet/keys.py). L1 actions go
straight to the chain; L2 transactions are signed here and sent to the sequencer's JSON-RPC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orchestrator.cli.main import CliContext, pass_cli
from orchestrator.cli.render import console

if TYPE_CHECKING:  # web3 is slow to import: only the verbs that talk to chains pay for it
    from orchestrator.wallet.actions import Devnet
    from orchestrator.wallet.client import SequencerClient


def _net(ctx: CliContext) -> Devnet:
    from orchestrator.wallet.actions import Devnet

    return Devnet(ctx.config(), ctx.home)


def _client(ctx: CliContext) -> SequencerClient:
    from orchestrator.wallet.client import SequencerClient

    return SequencerClient(ctx.config().sequencer.rpc_url)


@click.group()
def account() -> None:
    """Create and list wallets (an L1 key and an L2 signing key each)."""


@account.command("create")
@click.argument("name")
@click.option("--l1-key", help="Use this L1 private key instead of a fresh one (a fresh one gets 100 ETH).")
@pass_cli
def account_create(ctx: CliContext, name: str, l1_key: str | None) -> None:
    """Create wallet NAME; a fresh L1 account is funded from the devnet faucet on every local chain."""
    from orchestrator.wallet.actions import fund
    from orchestrator.wallet.keys import create_wallet

    net = _net(ctx) if l1_key is None else None
    wallet = create_wallet(ctx.home, name, l1_key)
    if net is not None:
        fund(net, wallet)
    console.print(
        f"wallet {name}: L1 {wallet.address}, L2 key hash {hex(wallet.pkh)}"
        + (" (funded with 100 ETH on every local chain)" if net is not None else "")
    )


@account.command("list")
@pass_cli
def account_list(ctx: CliContext) -> None:
    """List the wallets under --home."""
    from orchestrator.wallet.keys import list_wallets

    for w in list_wallets(ctx.home):
        console.print(f"{w.name:<12} L1 {w.address}  L2 key hash {hex(w.pkh)}")


@click.command()
@click.argument("name")
@click.argument("amount")
@click.argument("token")
@click.option("--chain", "chain_name", required=True, help="Chain to deposit on (name or rollup id).")
@click.option("--mint", is_flag=True, help="TEST-ONLY: mint the devnet test token first.")
@click.option("--wait/--no-wait", default=True, help="Wait until the deposit is spendable on L2.")
@pass_cli
def deposit(
    ctx: CliContext, name: str, amount: str, token: str, chain_name: str, mint: bool, wait: bool
) -> None:
    """Deposit AMOUNT of TOKEN from wallet NAME's L1 account into L2, on one chain."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, wallet = _net(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    serial = actions.deposit(net, wallet, chain, tok, actions.parse_amount(amount, tok), mint)
    console.print(f"deposit queued on {chain.name} as priority request {serial}")
    if wait:
        block = _client(ctx).wait_request_included(chain.rollup_chain_id, serial)
        console.print(f"spendable on L2: in block {block}")


@click.command()
@click.argument("name")
@click.argument("amount")
@click.argument("token")
@click.option("--to", "to", required=True, help="Receiver: an L2 account index or a wallet name.")
@click.option("--wait/--no-wait", default=True, help="Wait until the transfer is in a block.")
@pass_cli
def transfer(ctx: CliContext, name: str, amount: str, token: str, to: str, wait: bool) -> None:
    """Transfer AMOUNT of TOKEN on L2 from wallet NAME to another account."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    tok = net.token(token)
    if to.isdigit():
        to_index = int(to)
    else:
        to_index = int(str(actions.own_account(client, load_wallet(ctx.home, to), tok)["index"]))
    tx = actions.sign_transfer(client, wallet, tok, to_index, actions.parse_amount(amount, tok))
    tx_hash = client.send(tx)
    console.print(f"transfer accepted: {tx_hash}")
    if wait:
        console.print(f"in block {client.wait_transaction(tx_hash)['block']}")


@click.command()
@click.argument("name")
@click.argument("amount")
@click.argument("token")
@click.option("--chain", "chain_name", required=True, help="Chain to be paid on (name or rollup id).")
@click.option("--to", "to", help="L1 address to pay (default: the wallet's own).")
@click.option("--wait/--no-wait", default=True, help="Wait until the withdrawal is paid on L1.")
@pass_cli
def withdraw(
    ctx: CliContext, name: str, amount: str, token: str, chain_name: str, to: str | None, wait: bool
) -> None:
    """Withdraw AMOUNT of TOKEN from wallet NAME's L2 account to an L1 address on any chain."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    tx = actions.sign_withdraw(client, wallet, tok, chain, actions.parse_amount(amount, tok), to)
    tx_hash = client.send(tx)
    console.print(f"withdrawal accepted: {tx_hash}")
    if wait:
        found = client.wait_transaction(tx_hash, "paid", timeout=600)
        console.print(f"block {found['block']} executed everywhere; paid on {chain.name}")


@click.command("full-exit")
@click.argument("name")
@click.argument("token")
@click.option("--chain", "chain_name", required=True, help="Chain to ask (and be paid on).")
@click.option("--wait/--no-wait", default=True, help="Wait until the sequencer took the request.")
@pass_cli
def full_exit(ctx: CliContext, name: str, token: str, chain_name: str, wait: bool) -> None:
    """Ask chain --chain for all of wallet NAME's TOKEN on L2, without the sequencer's consent."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    index = int(str(actions.own_account(client, wallet, tok)["index"]))
    serial = actions.request_full_exit(net, wallet, chain, index, tok)
    console.print(f"full exit of account {index} queued on {chain.name} as priority request {serial}")
    if wait:
        console.print(f"processed in L2 block {client.wait_request_included(chain.rollup_chain_id, serial)}")


@click.command()
@click.argument("name")
@pass_cli
def balance(ctx: CliContext, name: str) -> None:
    """Wallet NAME's balances: each L2 account, and each token on each chain."""
    from rich.table import Table

    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    by_id = {t.l2_id: t for t in net.tokens.values()}
    l2 = Table(title=f"{name} on L2", title_justify="left")
    for col in ("account", "token", "balance", "nonce", "pending balance"):
        l2.add_column(col)
    for a in client.accounts_of(wallet.address):
        if int(str(a["pkh"]), 16) == wallet.pkh:
            tok = by_id[int(str(a["token"]))]
            l2.add_row(
                str(a["index"]),
                tok.symbol,
                actions.format_amount(int(str(a["balance"])), tok),
                str(a["nonce"]),
                actions.format_amount(int(str(a["pending_balance"])), tok),
            )
    console.print(l2)
    l1 = Table(title=f"{name} on L1 ({wallet.address})", title_justify="left")
    for col in ("chain", "token", "balance"):
        l1.add_column(col)
    for chain in net.config.chains:
        for symbol in ("ETH", *chain.tokens):
            tok = net.token(symbol)
            l1.add_row(
                chain.name,
                symbol,
                actions.format_amount(actions.l1_balance(net, chain, tok, wallet.address), tok),
            )
    console.print(l1)
