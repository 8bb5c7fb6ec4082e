"""What a user does: deposit and request full exits on L1, sign transfers and withdrawals for L2, read
balances everywhere. The CLI verbs and the end-to-end tests both go through here."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from orchestrator.chain.addresses import ROLLUP, Deployments, read_deployments, token_contract_key
from orchestrator.chain.clients import RollupClient, token_contract
from orchestrator.chain.connect import connect
from orchestrator.chain.sender import Call, Sender
from orchestrator.config import ChainConfig, DeploymentConfig
from orchestrator.errors import TxRejected
from orchestrator.jsonrpc.api import AccountInfo
from orchestrator.jsonrpc.client import RpcFailed
from orchestrator.l2.params import ETH_TOKEN
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.wallet.client import SequencerClient
from orchestrator.wallet.keys import Wallet
from orchestrator.wallet.resolve import Token, UserError, parse_amount, transfer_amount

__all__ = ["Network", "Token", "UserError", "parse_amount"]

FAUCET_WEI = 100 * 10**18


class Network:
    """The deployed rollup as a user sees it: chains, tokens, contracts (read from the address book)."""

    def __init__(self, config: DeploymentConfig, home: Path) -> None:
        self.config = config
        self.deployments: Deployments = read_deployments(home)
        self.tokens = {"ETH": Token(ETH_TOKEN, "ETH", 18)}
        self.tokens.update({t.symbol: Token(t.l2_token_id, t.symbol, t.decimals) for t in config.tokens})
        self._w3: dict[str, Web3] = {}

    def chain(self, name: str) -> ChainConfig:
        for c in self.config.chains:
            if c.name == name or str(c.rollup_chain_id) == name:
                return c
        raise UserError(f"no chain {name!r} (chains: {', '.join(c.name for c in self.config.chains)})")

    def token(self, symbol: str, chain: ChainConfig | None = None) -> Token:
        token = self.tokens.get(symbol.upper())
        if token is None:
            raise UserError(f"no token {symbol!r} (tokens: {', '.join(self.tokens)})")
        if chain is not None and token.symbol != chain.native and token.symbol not in chain.tokens:
            has = ", ".join((chain.native, *chain.tokens))
            raise UserError(f"chain {chain.name} has no {token.symbol} (it has {has})")
        return token

    def w3(self, chain: ChainConfig) -> Web3:
        if chain.name not in self._w3:
            self._w3[chain.name] = connect(chain)
        return self._w3[chain.name]

    def rollup(self, chain: ChainConfig) -> RollupClient:
        address = self.deployments.chains[chain.name].contracts[ROLLUP].address
        return RollupClient(self.w3(chain), address, chain.is_primary)

    def erc20(self, chain: ChainConfig, symbol: str) -> Contract:
        deployed = self.deployments.chains[chain.name].contracts[token_contract_key(symbol)]
        return token_contract(self.w3(chain), deployed.address)

    def send(self, chain: ChainConfig, key: str, fn: Call, value: int = 0, label: str = "") -> TxReceipt:
        return Sender(self.w3(chain), chain.name, key).send(fn, value=value, label=label)


# -- L1 --------------------------------------------------------------------------------------------------


def fund(net: Network, wallet: Wallet) -> None:
    """TEST-ONLY faucet: 100 ETH from the devnet deployer on every local chain."""
    for chain in net.config.chains:
        if chain.is_local:
            Sender(net.w3(chain), chain.name, net.config.keys.deployer).transfer(wallet.address, FAUCET_WEI)


def deposit(
    net: Network,
    wallet: Wallet,
    chain: ChainConfig,
    token: Token,
    amount: int,
    mint: bool = False,
    receiver: Wallet | None = None,
) -> int:
    """Deposit on `chain` from `wallet`'s L1 funds into the L2 account of `receiver` (default: `wallet`),
    named by its key and its L1 address, so that the receiver alone owns it, forced exit included; returns
    the priority request's serial id (what the sequencer will take)."""
    rollup = net.rollup(chain)
    owner = receiver or wallet
    if token.symbol == chain.native:
        held = int(net.w3(chain).eth.get_balance(Web3.to_checksum_address(wallet.address)))
        if held < amount:
            raise UserError(
                f"{wallet.name} holds {token.format(held)} on {chain.name}, less than {token.format(amount)}"
            )
        receipt = net.send(
            chain,
            wallet.l1_key,
            rollup.functions.depositETH(owner.pkh_bytes, owner.address),
            amount,
            f"deposit {token.symbol}",
        )
    else:
        erc20 = net.erc20(chain, token.symbol)
        if mint:  # TEST-ONLY: the devnet's TestToken lets anyone mint
            net.send(chain, wallet.l1_key, erc20.functions.mint(wallet.address, amount), label="mint")
        held = int(erc20.functions.balanceOf(wallet.address).call())
        if held < amount:
            raise UserError(
                f"{wallet.name} holds {token.format(held)} on {chain.name}, less than {token.format(amount)}"
                " (devnet: add --mint)"
            )
        net.send(chain, wallet.l1_key, erc20.functions.approve(rollup.address, amount), label="approve")
        fn = rollup.functions.depositERC20(erc20.address, amount, owner.pkh_bytes, owner.address)
        receipt = net.send(chain, wallet.l1_key, fn, label="deposit ERC-20")
    return _serial(rollup, receipt)


def request_full_exit(net: Network, wallet: Wallet, chain: ChainConfig, account: int, token: Token) -> int:
    rollup = net.rollup(chain)
    receipt = net.send(
        chain, wallet.l1_key, rollup.functions.requestFullExit(account, token.l2_id), label="full exit"
    )
    return _serial(rollup, receipt)


def _serial(rollup: RollupClient, receipt: TxReceipt) -> int:
    [event] = rollup.events.PriorityRequestQueued().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["serialId"])


def l1_balance(net: Network, chain: ChainConfig, token: Token, address: str) -> int:
    if token.symbol == chain.native:
        return int(net.w3(chain).eth.get_balance(Web3.to_checksum_address(address)))
    return int(net.erc20(chain, token.symbol).functions.balanceOf(Web3.to_checksum_address(address)).call())


# -- L2 --------------------------------------------------------------------------------------------------


def own_account(client: SequencerClient, wallet: Wallet, token: Token) -> AccountInfo:
    """The wallet's L2 account holding `token` (made by its first deposit of it)."""
    for a in client.accounts_of(wallet.address):
        if int(a["pkh"], 16) == wallet.pkh and a["token"] == token.l2_id:
            return a
    raise UserError(f"{wallet.name} has no L2 account for {token.symbol}: deposit some first")


def _covers(wallet: Wallet, account: AccountInfo, token: Token, amount: int) -> None:
    """Refuse, in token units, an amount above what the account holds once its waiting transactions go."""
    held = int(account["pending_balance"])
    if amount > held:
        raise UserError(
            f"{wallet.name}'s L2 {token.symbol} account {account['index']} holds {token.format(held)}: "
            f"it cannot send {token.format(amount)}"
        )


def sign_transfer(
    client: SequencerClient,
    wallet: Wallet,
    token: Token,
    to_index: int,
    amount: int,
    to_name: str | None = None,
    tokens: dict[int, Token] | None = None,
) -> Transfer:
    """A signed transfer, after the checks a user deserves in their own terms: the amount fits the
    transfer format, the sender holds it, the receiver exists and holds the same token."""
    sender = own_account(client, wallet, token)
    transfer_amount(amount, token)
    _covers(wallet, sender, token, amount)
    who = f"{to_name}'s account {to_index}" if to_name else f"account {to_index}"
    try:
        receiver = client.account(to_index)
    except RpcFailed as exc:
        raise UserError(f"cannot send to {who}: {exc}") from None
    if not receiver["exists"]:
        raise UserError(f"{who} does not exist on L2 (an account is made by a deposit)")
    if receiver["token"] != token.l2_id:
        held = (tokens or {}).get(receiver["token"])
        what = held.symbol if held else f"token {receiver['token']}"
        hint = f": {to_name} has no L2 {token.symbol} account yet" if to_name else ""
        raise UserError(f"{who} holds {what}, not {token.symbol}{hint}")
    tx = Transfer(sender["index"], to_index, amount, sender["pending_nonce"])
    return tx.sign(wallet.l2_key, client.domain())


def sign_withdraw(
    client: SequencerClient,
    wallet: Wallet,
    token: Token,
    chain: ChainConfig,
    amount: int,
    to: str | None = None,
) -> Withdraw:
    """A signed withdrawal of `amount` to `to` (a checked, checksummed address; default the wallet's own)
    on `chain`."""
    sender = own_account(client, wallet, token)
    _covers(wallet, sender, token, amount)
    address = int(to or wallet.address, 16)
    tx = Withdraw(sender["index"], chain.rollup_chain_id, address, amount, sender["pending_nonce"])
    return tx.sign(wallet.l2_key, client.domain())


def describe_refusal(exc: TxRejected, net: Network) -> str:
    """The sequencer's refusal in the user's terms: amounts in token units, tokens and chains by name."""
    facts, tokens = exc.facts, {t.l2_id: t for t in net.tokens.values()}
    token = tokens.get(facts.get("token", -1))
    if token is None:
        return str(exc)
    if exc.code == "insufficient_liquidity":
        chain = next((c.name for c in net.config.chains if c.rollup_chain_id == facts.get("chain")), "?")
        return (
            f"refused: {chain}'s vault can pay out {token.format(facts['available'])} now, less than "
            f"{token.format(facts['amount'])}: withdraw less there, or to another chain"
        )
    if exc.code == "insufficient_balance":
        return (
            f"refused: L2 account {facts['account']} holds {token.format(facts['balance'])}, less than "
            f"{token.format(facts['amount'])}"
        )
    if exc.code == "token_mismatch":
        held = tokens.get(facts.get("receiver_token", -1))
        return (
            f"refused: account {facts['receiver']} holds {held.symbol if held else 'another token'}, "
            f"not {token.symbol}"
        )
    return str(exc)


def send_l2(client: SequencerClient, tx: Transfer | Withdraw, net: Network) -> str:
    """Send a signed L2 transaction; its hash, or one line saying why the sequencer refused it."""
    try:
        return client.send(tx)
    except TxRejected as exc:
        raise UserError(describe_refusal(exc, net)) from None


def pending_balance(net: Network, chain: ChainConfig, token: Token, address: str) -> int:
    """What executed withdrawals and full exits left for `address` on `chain`, not yet paid out."""
    return net.rollup(chain).pending_balance(address, token.l2_id)


SERVE_AT_ONCE = 50  # shortfalls a claim serves at most (each a storage write or two)


def claim(net: Network, wallet: Wallet, chain: ChainConfig, token: Token) -> int:
    """Pull the wallet's pending balance of `token` on `chain` to its L1 address; the amount. First, the
    token's line of shortfalls (credits the vault could not cover) is served as far as deposits funded it:
    in execution order, so the wallet's own waiting part is paid only after those ahead of it."""
    rollup = net.rollup(chain)
    serve = rollup.functions.serveShortfalls(token.l2_id, SERVE_AT_ONCE)
    if int(serve.call({"from": Web3.to_checksum_address(wallet.address)})) > 0:
        net.send(chain, wallet.l1_key, serve, label="serve shortfalls")
    amount = pending_balance(net, chain, token, wallet.address)
    if amount == 0:
        waiting = int(rollup.functions.shortfallTotal(token.l2_id).call())
        line = f" ({token.format(waiting)} of credits wait for funds there)" if waiting else ""
        raise UserError(f"{wallet.name} has nothing pending in {token.symbol} on {chain.name}{line}")
    fn = net.rollup(chain).functions.withdrawPendingBalance(wallet.address, token.l2_id)
    net.send(chain, wallet.l1_key, fn, label="claim")
    return amount


def request_deadline(net: Network, chain: ChainConfig, serial: int) -> int:
    """The chain timestamp after which an unexecuted request `serial` lets anyone start exodus."""
    return net.rollup(chain).request_deadline(serial)
