"""The user's verbs: `rollup account create|list`, `deposit`, `transfer`, `withdraw`, `full-exit`, `claim`,
`balance`.

Wallets live under --home (TEST-ONLY plain key files, see orchestrator/wallet/keys.py). L1 actions go
straight to the chain and need no sequencer; L2 transactions are signed here and sent to the sequencer's
JSON-RPC. Everything a user typed is checked before anything is signed or sent (wallet/resolve.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.cli.jsonout import emit, json_option
from orchestrator.cli.render import console

if TYPE_CHECKING:  # web3 is slow to import: only the verbs that talk to chains pay for it
    from orchestrator.wallet.actions import Network, Token
    from orchestrator.wallet.client import SequencerClient
    from orchestrator.wallet.progress import Watch

F = TypeVar("F", bound=Callable[..., Any])


def amount_verb(name: str | None = None) -> Callable[[F], click.Command]:
    """A verb taking NAME AMOUNT TOKEN. "-1" is an amount to refuse with its reason, not an unknown
    option."""

    def wrap(fn: F) -> click.Command:
        fn = click.argument("name")(click.argument("amount")(click.argument("token")(fn)))
        return click.command(name, context_settings={"ignore_unknown_options": True})(fn)

    return wrap


WAIT_TIMEOUT_S = 900.0


def _net(ctx: CliContext) -> Network:
    from orchestrator.wallet.actions import Network

    return Network(ctx.config(), ctx.home)


def _client(ctx: CliContext) -> SequencerClient:
    from orchestrator.wallet.client import SequencerClient

    return SequencerClient(ctx.config().sequencer.rpc_url)


def _say(line: str) -> None:
    console.print(line, markup=False, soft_wrap=True)  # a hash or an address is never cut in two


def _watch(client: SequencerClient, chains: list[str]) -> Watch:
    from orchestrator.wallet.progress import Watch

    return Watch(client, _say, list(dict.fromkeys(chains)), WAIT_TIMEOUT_S)


def _utc(timestamp: int) -> str:
    """A chain timestamp as people read it (the chain's clock, in UTC)."""
    import datetime

    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _sequencer_up(client: SequencerClient) -> bool:
    from orchestrator.jsonrpc.client import RpcUnavailable

    try:
        client.status()
        return True
    except RpcUnavailable:
        return False


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
    _say(
        f"wallet {name}: L1 {wallet.address}, L2 key hash {hex(wallet.pkh)}"
        + (" (funded with 100 ETH on every local chain)" if net is not None else "")
    )


@account.command("list")
@pass_cli
def account_list(ctx: CliContext) -> None:
    """List the wallets under --home."""
    from orchestrator.wallet.keys import list_wallets

    for w in list_wallets(ctx.home):
        _say(f"{w.name:<12} L1 {w.address}  L2 key hash {hex(w.pkh)}")


@amount_verb()
@click.option("--chain", "chain_name", required=True, help="Chain to deposit on (name or rollup id).")
@click.option("--mint", is_flag=True, help="TEST-ONLY: mint the devnet test token first.")
@click.option("--to", "to", help="Whose L2 account is credited: a wallet name (default: NAME itself).")
@click.option("--wait/--no-wait", default=True, help="Wait until the deposit is spendable on L2.")
@pass_cli
def deposit(
    ctx: CliContext,
    name: str,
    amount: str,
    token: str,
    chain_name: str,
    mint: bool,
    to: str | None,
    wait: bool,
) -> None:
    """Deposit AMOUNT of TOKEN from wallet NAME's L1 account into L2, on one chain.

    The deposit names the receiver's L2 key and L1 address: the account is the receiver's alone (only
    that address can force it out). Works without the sequencer: the deposit waits in the chain's
    priority queue until it is taken.
    """
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet, record_account
    from orchestrator.wallet.progress import wait_included

    net, wallet = _net(ctx), load_wallet(ctx.home, name)
    receiver = load_wallet(ctx.home, to) if to else wallet
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    raw = actions.parse_amount(amount, tok)
    serial = actions.deposit(net, wallet, chain, tok, raw, mint, receiver)
    whose = "" if receiver is wallet else f" to {receiver.name}"
    _say(f"{name}'s deposit of {tok.format(raw)}{whose} queued on {chain.name} as priority request {serial}")
    if not wait:
        return
    client = _client(ctx)
    if not _sequencer_up(client):
        deadline = _utc(actions.request_deadline(net, chain, serial))
        _say(
            f"the sequencer is not running: the {tok.symbol} is locked in {chain.name}'s priority queue and "
            f"will be credited on L2 once the sequencer runs (it must execute the request by {deadline}, "
            "or anyone may start exodus: `rollup exodus`)"
        )
        return
    watch = _watch(client, [chain.name])
    block = int(wait_included(client, watch, chain.rollup_chain_id, serial)["block"])
    index = actions.own_account(client, receiver, tok)["index"]
    record_account(ctx.home, receiver.name, tok.l2_id, index)
    _say(f"spendable on L2: in block {block}, {receiver.name}'s {tok.symbol} account {index}")


@amount_verb()
@click.option("--to", "to", required=True, help="Receiver: a wallet name or an L2 account index.")
@click.option("--wait/--no-wait", default=True, help="Wait until the transfer is in a block.")
@pass_cli
def transfer(ctx: CliContext, name: str, amount: str, token: str, to: str, wait: bool) -> None:
    """Transfer AMOUNT of TOKEN on L2 from wallet NAME to another account."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet
    from orchestrator.wallet.resolve import UserError

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    tok = net.token(token)
    raw = actions.parse_amount(amount, tok)
    actions.own_account(client, wallet, tok)  # the sender's lack of an account comes first
    to_name: str | None = None
    if to.isdigit():
        to_index = int(to)
    elif to.startswith("0x"):
        raise UserError(
            f"--to {to}: an L2 transfer goes to a wallet name or an account index, not to an L1 address"
        )
    else:
        to_name = to
        to_index = actions.own_account(client, load_wallet(ctx.home, to), tok)["index"]
    by_id = {t.l2_id: t for t in net.tokens.values()}
    tx = actions.sign_transfer(client, wallet, tok, to_index, raw, to_name, by_id)
    tx_hash = actions.send_l2(client, tx, net)
    _say(f"transfer of {tok.format(raw)} to {to_name or f'account {to_index}'} accepted: {tx_hash}")
    if wait:
        _say(f"in block {client.wait_transaction(tx_hash)['block']}")


@amount_verb()
@click.option("--chain", "chain_name", required=True, help="Chain to be paid on (name or rollup id).")
@click.option("--to", "to", help="Who is paid: a wallet name or a full 0x-address (default: NAME itself).")
@click.option("--wait/--no-wait", default=True, help="Wait until the withdrawal is paid on L1.")
@pass_cli
def withdraw(
    ctx: CliContext, name: str, amount: str, token: str, chain_name: str, to: str | None, wait: bool
) -> None:
    """Withdraw AMOUNT of TOKEN from wallet NAME's L2 account to an L1 address on any chain."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet
    from orchestrator.wallet.progress import wait_transaction_paid
    from orchestrator.wallet.resolve import l1_address

    net, wallet = _net(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    raw = actions.parse_amount(amount, tok)
    address, to_name = l1_address(to, ctx.home) if to else (wallet.address, name)
    client = _client(ctx)
    tx = actions.sign_withdraw(client, wallet, tok, chain, raw, address)
    tx_hash = actions.send_l2(client, tx, net)
    who = to_name or address
    _say(f"withdrawal of {tok.format(raw)} to {who} on {chain.name} accepted: {tx_hash}")
    if wait:
        watch = _watch(client, [net.config.primary.name, chain.name])
        wait_transaction_paid(client, watch, tx_hash, chain.name)
        _say(f"{tok.format(raw)} paid to {who} on {chain.name}")


@click.command("full-exit")
@click.argument("name")
@click.argument("token")
@click.option("--chain", "chain_name", required=True, help="Chain to ask (and be paid on).")
@click.option(
    "--account",
    "account_index",
    type=click.IntRange(min=0),
    default=None,
    help="L2 account index (default: the wallet's record, the sequencer or L1 data).",
)
@click.option("--wait/--no-wait", default=True, help="Wait until the exit is paid on --chain.")
@pass_cli
def full_exit(
    ctx: CliContext, name: str, token: str, chain_name: str, account_index: int | None, wait: bool
) -> None:
    """Ask chain --chain for all of wallet NAME's TOKEN on L2, without the sequencer's consent.

    The request goes to the chain's priority queue, which the sequencer must process; it needs no
    sequencer to be made (the account index comes from --account, the wallet, or L1 data).
    """
    from orchestrator.wallet import actions
    from orchestrator.wallet.accounts import find_account
    from orchestrator.wallet.keys import load_wallet
    from orchestrator.wallet.progress import wait_request_paid

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    index, source = account_index, "--account"
    if index is None:
        index, source = find_account(net, client, ctx.home, wallet, tok)
    serial = actions.request_full_exit(net, wallet, chain, index, tok)
    _say(
        f"full exit of {name}'s {tok.symbol} account {index} ({source}) queued on {chain.name} "
        f"as priority request {serial}"
    )
    if not wait:
        return
    if not _sequencer_up(client):
        deadline = _utc(actions.request_deadline(net, chain, serial))
        _say(
            f"the sequencer is not running: the request waits in {chain.name}'s priority queue; the "
            f"sequencer must execute it by {deadline}, or anyone may start exodus (`rollup exodus`)"
        )
        return
    watch = _watch(client, [net.config.primary.name, chain.name])
    wait_request_paid(client, watch, chain.rollup_chain_id, serial, chain.name)


@click.command()
@click.argument("name")
@click.argument("token")
@click.option("--chain", "chain_name", required=True, help="Chain to claim on (name or rollup id).")
@pass_cli
def claim(ctx: CliContext, name: str, token: str, chain_name: str) -> None:
    """Pull wallet NAME's pending balance of TOKEN on --chain (what executed withdrawals and full exits
    left there, if the sequencer has not paid it out yet)."""
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, wallet = _net(ctx), load_wallet(ctx.home, name)
    chain = net.chain(chain_name)
    tok = net.token(token, chain)
    amount = actions.claim(net, wallet, chain, tok)
    _say(f"claimed {tok.format(amount)} for {name} on {chain.name}")


@click.command()
@click.argument("name")
@json_option
@pass_cli
def balance(ctx: CliContext, name: str, as_json: bool) -> None:
    """Wallet NAME's balances: each L2 account, and on each chain its L1 balance and pending balance."""
    report, formats = _balances(ctx, name)
    if as_json:
        emit("balance/1", report)
        return
    from rich.table import Table

    if report["l2_error"] is not None:
        _say(f"L2: {report['l2_error']}")
    if report["l2"]:
        l2 = Table(title=f"{name} on L2", title_justify="left")
        for col in ("account", "token", "balance", "nonce", "after waiting transactions"):
            l2.add_column(col)
        for a in report["l2"]:
            fmt = formats[a["token"]]
            l2.add_row(
                str(a["account"]), a["token"], fmt(a["balance"]), str(a["nonce"]), fmt(a["after_waiting"])
            )
        console.print(l2)
    l1 = Table(title=f"{name} on L1 ({report['address']})", title_justify="left")
    for col in ("chain", "token", "balance", "pending (rollup claim)"):
        l1.add_column(col)
    for row in report["l1"]:
        fmt = formats[row["token"]]
        pending = fmt(row["pending"]) if int(row["pending"]) else "-"
        l1.add_row(row["chain"], row["token"], fmt(row["balance"]), pending)
    console.print(l1)


def _balances(ctx: CliContext, name: str) -> tuple[dict[str, Any], dict[str, Callable[[str], str]]]:
    """Wallet NAME's balances as data (docs/json.md, `rollup.balance/1`; amounts in base units, as
    strings), and each token's formatter for the tables."""
    from orchestrator.errors import RollupError
    from orchestrator.wallet import actions
    from orchestrator.wallet.keys import load_wallet

    net, client, wallet = _net(ctx), _client(ctx), load_wallet(ctx.home, name)
    by_id = {t.l2_id: t for t in net.tokens.values()}
    formats = {t.symbol: _formatter(t) for t in net.tokens.values()}
    l2, l2_error = [], None
    try:
        accounts = [a for a in client.accounts_of(wallet.address) if int(a["pkh"], 16) == wallet.pkh]
    except RollupError as exc:
        l2_error, accounts = str(exc), []
    for a in accounts:
        symbol = by_id[a["token"]].symbol
        balance, after = str(int(a["balance"])), str(int(a["pending_balance"]))
        l2.append(
            {
                "account": a["index"],
                "token": symbol,
                "balance": balance,
                "nonce": a["nonce"],
                "after_waiting": after,
            }
        )
    l1 = []
    for chain in net.config.chains:
        for symbol in ("ETH", *chain.tokens):
            tok = net.token(symbol)
            l1.append(
                {
                    "chain": chain.name,
                    "token": symbol,
                    "balance": str(actions.l1_balance(net, chain, tok, wallet.address)),
                    "pending": str(actions.pending_balance(net, chain, tok, wallet.address)),
                }
            )
    report: dict[str, Any] = {"wallet": name, "address": wallet.address, "l2": l2, "l2_error": l2_error}
    report["l1"] = l1
    return report, formats


def _formatter(token: Token) -> Callable[[str], str]:
    return lambda amount: token.format(int(amount))
