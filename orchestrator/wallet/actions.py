"""What a user does: deposit and request full exits on L1, sign transfers and withdrawals for L2, read
balances everywhere. The CLI verbs and the end-to-end tests both go through here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from orchestrator.config import ChainConfig, DevnetConfig
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.contracts.deploy import ROLLUP, Deployments, connect, read_deployments, token_contract_key
from orchestrator.contracts.transact import Transactor
from orchestrator.errors import RollupError
from orchestrator.l2.amounts import is_packable, round_down_packable
from orchestrator.l2.params import ETH_TOKEN
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.wallet.client import SequencerClient
from orchestrator.wallet.keys import Wallet

FAUCET_WEI = 100 * 10**18


class UserError(RollupError):
    """A user's request that cannot be carried out as asked (unknown chain or token, no such account)."""


@dataclass(frozen=True)
class Token:
    l2_id: int
    symbol: str
    decimals: int


class Devnet:
    """The deployed devnet as a user sees it: chains, tokens, contracts."""

    def __init__(self, config: DevnetConfig, home: Path) -> None:
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
        if chain is not None and token.symbol != "ETH" and token.symbol not in chain.tokens:
            raise UserError(
                f"chain {chain.name} has no {token.symbol} (it has ETH, {', '.join(chain.tokens)})"
            )
        return token

    def w3(self, chain: ChainConfig) -> Web3:
        if chain.name not in self._w3:
            self._w3[chain.name] = connect(chain)
        return self._w3[chain.name]

    def rollup(self, chain: ChainConfig) -> Contract:
        name = "PrimaryRollup" if chain.is_primary else "SecondaryRollup"
        address = self.deployments.chains[chain.name].contracts[ROLLUP].address
        return self.w3(chain).eth.contract(
            address=Web3.to_checksum_address(address), abi=compile_contracts()[name].abi
        )

    def erc20(self, chain: ChainConfig, symbol: str) -> Contract:
        address = self.deployments.chains[chain.name].contracts[token_contract_key(symbol)].address
        abi = compile_contracts()["TestToken"].abi
        return self.w3(chain).eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def send(self, chain: ChainConfig, key: str, fn: object, value: int = 0, label: str = "") -> TxReceipt:
        return Transactor(self.w3(chain), chain.name).send(key, fn, value=value, label=label)  # type: ignore[arg-type]


def parse_amount(text: str, token: Token) -> int:
    """'1.5' ETH -> 1.5e18 wei: an amount in the token's units, exact to its decimals."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UserError(f"amount {text!r} is not a number") from None
    scaled = value * (Decimal(10) ** token.decimals)
    if value <= 0 or scaled != scaled.to_integral_value():
        raise UserError(
            f"amount {text} {token.symbol}: must be positive with at most {token.decimals} decimals"
        )
    return int(scaled)


def format_amount(raw: int, token: Token) -> str:
    text = f"{Decimal(raw) / (Decimal(10) ** token.decimals):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + f" {token.symbol}"


# -- L1 --------------------------------------------------------------------------------------------------


def fund(net: Devnet, wallet: Wallet) -> None:
    """TEST-ONLY faucet: 100 ETH from the devnet deployer on every local chain."""
    deployer = Account.from_key(net.config.keys.deployer)
    for chain in net.config.chains:
        if not chain.is_local:
            continue
        w3 = net.w3(chain)
        fee = 2 * int(w3.eth.gas_price) + 1
        tx = {"to": wallet.address, "value": FAUCET_WEI, "gas": 21_000, "chainId": chain.evm_chain_id,
              "nonce": w3.eth.get_transaction_count(deployer.address), "maxFeePerGas": fee,
              "maxPriorityFeePerGas": 1}  # fmt: skip
        signed = deployer.sign_transaction(tx)
        w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))


def deposit(
    net: Devnet, wallet: Wallet, chain: ChainConfig, token: Token, amount: int, mint: bool = False
) -> int:
    """Deposit on `chain`; returns the priority request's serial id (what the sequencer will take)."""
    rollup = net.rollup(chain)
    if token.l2_id == ETH_TOKEN:
        receipt = net.send(
            chain, wallet.l1_key, rollup.functions.depositETH(wallet.pkh_bytes), amount, "deposit ETH"
        )
    else:
        erc20 = net.erc20(chain, token.symbol)
        if mint:  # TEST-ONLY: the devnet's TestToken lets anyone mint
            net.send(chain, wallet.l1_key, erc20.functions.mint(wallet.address, amount), label="mint")
        held = int(erc20.functions.balanceOf(wallet.address).call())
        if held < amount:
            raise UserError(
                f"{wallet.name} holds {format_amount(held, token)} on {chain.name} (devnet: add --mint)"
            )
        net.send(chain, wallet.l1_key, erc20.functions.approve(rollup.address, amount), label="approve")
        fn = rollup.functions.depositERC20(erc20.address, amount, wallet.pkh_bytes)
        receipt = net.send(chain, wallet.l1_key, fn, label="deposit ERC-20")
    return _serial(rollup, receipt)


def request_full_exit(net: Devnet, wallet: Wallet, chain: ChainConfig, account: int, token: Token) -> int:
    rollup = net.rollup(chain)
    receipt = net.send(
        chain, wallet.l1_key, rollup.functions.requestFullExit(account, token.l2_id), label="full exit"
    )
    return _serial(rollup, receipt)


def _serial(rollup: Contract, receipt: TxReceipt) -> int:
    [event] = rollup.events.PriorityRequestQueued().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["serialId"])


def l1_balance(net: Devnet, chain: ChainConfig, token: Token, address: str) -> int:
    if token.l2_id == ETH_TOKEN:
        return int(net.w3(chain).eth.get_balance(Web3.to_checksum_address(address)))
    return int(net.erc20(chain, token.symbol).functions.balanceOf(Web3.to_checksum_address(address)).call())


# -- L2 --------------------------------------------------------------------------------------------------


def own_account(client: SequencerClient, wallet: Wallet, token: Token) -> dict[str, object]:
    """The wallet's L2 account holding `token` (made by its first deposit of it)."""
    for a in client.accounts_of(wallet.address):
        if int(str(a["pkh"]), 16) == wallet.pkh and a["token"] == token.l2_id:
            return a
    raise UserError(f"{wallet.name} has no L2 account for {token.symbol}: deposit some first")


def _packable(amount: int, token: Token) -> int:
    if not is_packable(amount):
        nearest = round_down_packable(amount)
        raise UserError(
            f"{format_amount(amount, token)} has no exact L2 form; {format_amount(nearest, token)} has"
        )
    return amount


def sign_transfer(
    client: SequencerClient, wallet: Wallet, token: Token, to_index: int, amount: int
) -> Transfer:
    sender = own_account(client, wallet, token)
    tx = Transfer(
        int(str(sender["index"])), to_index, _packable(amount, token), int(str(sender["pending_nonce"]))
    )
    return tx.sign(wallet.l2_key, client.domain())


def sign_withdraw(
    client: SequencerClient,
    wallet: Wallet,
    token: Token,
    chain: ChainConfig,
    amount: int,
    to: str | None = None,
) -> Withdraw:
    sender = own_account(client, wallet, token)
    address = int(to or wallet.address, 16)
    tx = Withdraw(
        int(str(sender["index"])), chain.rollup_chain_id, address, amount, int(str(sender["pending_nonce"]))
    )
    return tx.sign(wallet.l2_key, client.domain())
