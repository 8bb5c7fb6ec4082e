"""The way out as a user walks it (docs/exodus.md), with the sequencer and its store gone: what `rollup
exodus status|activate|exit|refund` do. Everything is read from the chains (the address book, events and
calldata) and sent from the user's own key; each refusal is one `UserError` line with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.types import TxReceipt

from orchestrator.chain.addresses import read_deployments
from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain, open_chains
from orchestrator.config import DeploymentConfig
from orchestrator.contracts.reverts import decode_revert
from orchestrator.dac.client import CommitteeClient
from orchestrator.exodus.chaindata import committed_blocks
from orchestrator.exodus.exits import (
    ChainExodus,
    exit_call,
    liquidity,
    refund_call,
    report_liquidity_call,
    unexecuted_deposits,
)
from orchestrator.exodus.restore import Restored, Sections, restore
from orchestrator.l2.exit import exit_claim
from orchestrator.prover.profiles import ExitProver
from orchestrator.wallet.keys import Wallet
from orchestrator.wallet.resolve import Token, UserError

Say = Callable[[str], None]
MESSAGE_WAIT_S = 300.0  # how long to wait for a relayer (anyone's) to carry a message


@dataclass(frozen=True)
class ChainRow:
    """One chain in `rollup exodus status`."""

    name: str
    exodus: ChainExodus
    vaults: dict[str, int]  # what the chain's vault holds, by token symbol
    payable: dict[str, int | None]  # what exits can still be paid there (None: not reported yet)


@dataclass(frozen=True)
class Executed:
    """Decided blocks `first`..`last` executed on `chain` by one transaction."""

    chain: str
    first: int
    last: int
    tx_hash: str


@dataclass(frozen=True)
class LiquidityReport:
    """A secondary's `token` vault reported to the primary."""

    chain: str
    token: str
    tx_hash: str


@dataclass(frozen=True)
class AccountExit:
    """One L2 account's exit claimed on the primary: `amount` base units, paid as `paid_on` says (chain name
    -> amount)."""

    account: int
    amount: int
    paid_on: dict[str, int]
    tx_hash: str


@dataclass(frozen=True)
class Refund:
    """A deposit no block at or below R included, refunded on the chain where it was made."""

    chain: str
    serial: int
    token: str
    amount: int
    tx_hash: str


@dataclass(frozen=True)
class Payout:
    """A pending balance paid out to its owner (`withdrawPendingBalance`)."""

    chain: str
    token: str
    amount: int
    owner: str
    tx_hash: str


@dataclass
class Journal:
    """Every transaction a command sent, by kind and in order: the facts its JSON document lists beside the
    lines it says (docs/json.md)."""

    reference_block: int | None = None  # R, once a command restored the state at it
    executed: list[Executed] = field(default_factory=list)
    liquidity_reports: list[LiquidityReport] = field(default_factory=list)
    exits: list[AccountExit] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    payouts: list[Payout] = field(default_factory=list)


class ExodusNetwork:
    """The deployed rollup, every chain opened with one user's key; `journal` records what it sent."""

    def __init__(self, config: DeploymentConfig, home: Path, key: str, tokens: dict[str, Token]) -> None:
        self.config = config
        self.chains = open_chains(config, read_deployments(home), key)
        self.primary = self.chains[config.primary.rollup_chain_id]
        self.profile = config.rollup.circuit
        self.tokens = tokens
        self.journal = Journal()

    def chain(self, name: str) -> Chain:
        for c in self.chains.values():
            if name in (c.name, str(c.id)):
                return c
        raise UserError(f"no chain {name!r} (chains: {', '.join(c.name for c in self.chains.values())})")

    def tokens_of(self, chain: Chain) -> list[Token]:
        return [t for t in self.tokens.values() if t.symbol == "ETH" or t.symbol in chain.config.tokens]

    # -- reading ---------------------------------------------------------------------------------------

    def status(self) -> list[ChainRow]:
        rows = []
        for c in self.chains.values():
            tokens = self.tokens_of(c)
            vaults = {t.symbol: int(c.rollup.functions.vault(t.l2_id).call()) for t in tokens}
            payable = {t.symbol: liquidity(self.primary, c, t.l2_id) for t in tokens}
            rows.append(ChainRow(c.name, ChainExodus.read(c), vaults, payable))
        return rows

    def exits_done(self) -> int:
        return len(self.primary.rollup.events.Exited().get_logs(from_block=self.primary.deploy_block))

    def _require_exodus(self) -> ChainExodus:
        state = ChainExodus.read(self.primary)
        if not state.active:
            raise UserError(
                "not in exodus: the operator still processes requests (exodus starts once a chain's oldest "
                "request is past its deadline: `rollup exodus activate --chain C`)"
            )
        return state

    # -- acting ----------------------------------------------------------------------------------------

    def activate(self, chain: Chain, say: Say) -> str:
        """Start exodus on `chain`; the transaction's hash."""
        if ChainExodus.read(chain).active:
            raise UserError(f"{chain.name} is in exodus already")
        refusal = _revert_of(chain, chain.rollup.functions.activateExodus())
        if refusal is not None and refusal[0] == "ExodusNotDue":
            expires, now = (int(str(v)) for v in refusal[1])
            if expires == 0:
                raise UserError(
                    f"exodus is not due on {chain.name}: its queue is empty (every request executed)"
                )
            raise UserError(
                f"exodus is not due on {chain.name}: its oldest unexecuted request's deadline passes in "
                f"{expires - now + 1} s"
            )
        # Estimated against the next block: an idle chain's latest block can be older than the deadline
        # (an automining devnet mines nothing while nobody sends), so `send`'s estimate would refuse.
        fn = chain.rollup.functions.activateExodus()
        gas = int(fn.estimate_gas({"from": Web3.to_checksum_address(chain.tx.address)}, "pending"))
        receipt = chain.tx.wait(chain.tx.submit(fn, gas=gas * 5 // 4, label="activate exodus"))
        say(f"exodus is active on {chain.name}; the messenger carries it to the other chains")
        return _hash(receipt)

    def finish(self, chain: Chain, say: Say) -> None:
        """Execute `chain`'s decided blocks (synchronized, at or below R) that nobody executed yet."""
        r = chain.rollup
        after, up_to = r.counter(Stage.EXECUTED), r.counter(Stage.SYNCHRONIZED)
        if up_to <= after:
            return
        blocks = [b for b in committed_blocks(chain, self.profile, up_to) if b.stored.block_number > after]
        if blocks:
            infos = [(b.stored.as_tuple(), b.records) for b in blocks]
            receipt = chain.tx.send(r.functions.executeBlocks(infos), label="execute decided blocks")
            self.journal.executed.append(Executed(chain.name, after + 1, up_to, _hash(receipt)))
            say(f"{chain.name}: executed blocks {after + 1}..{up_to}, decided before the operator stopped")

    def restore_reference(self, say: Say) -> Restored:
        state = self._require_exodus()
        self.finish(self.primary, say)
        say(
            f"restoring the L2 state at block R = {state.reference_block} from {self.primary.name}'s calldata"
        )
        self.journal.reference_block = state.reference_block
        return restore(self.primary, self.profile, state.reference_block, say, self.sections())

    def sections(self) -> Sections | None:
        """Validium: where restore fetches L2 sections (the data committee); None in rollup mode."""
        if self.config.committee is None:
            return None
        return CommitteeClient(self.config.committee, self.primary.rollup.domain()).fetch

    def exit(self, wallet: Wallet, token: Token, payers: list[Chain], prover: ExitProver, say: Say) -> int:
        """Exit every account `wallet` holds `token` in at R, paid on `payers` in that order as far as each
        can pay (default: the primary, then every secondary); waits until paid. Returns what was paid."""
        restored = self.restore_reference(say)
        owner = int(wallet.address, 16)
        accounts = [
            i
            for i, a in restored.state.items()
            if a.eth_address == owner and a.token == token.l2_id and a.balance > 0
        ]
        r = restored.stored.block_number
        if not accounts:
            raise UserError(f"{wallet.name} holds no {token.symbol} on L2 at block R = {r}")
        todo = [i for i in accounts if not self.primary.rollup.functions.exited(i).call()]
        if not todo:
            raise UserError(f"{wallet.name}'s {token.symbol} account(s) {accounts} exited already")
        order = payers or [self.primary, *(c for c in self.chains.values() if c.id != self.primary.id)]
        paid = 0
        for index in todo:
            claim = exit_claim(restored.state, index)
            split = self._split(order, token, claim.leaf.balance, say)
            say(f"proving account {index}'s {token.format(claim.leaf.balance)} against block R = {r}'s root")
            proof = prover.prove(claim)
            paying = {i: self.chains[i] for i in split}
            before = {i: c.rollup.pending_balance(wallet.address, token.l2_id) for i, c in paying.items()}
            fn = exit_call(self.primary, restored.stored, claim, proof, split)
            receipt = self.primary.tx.send(fn, label="exit")
            paid_on = {paying[i].name: amount for i, amount in split.items()}
            self.journal.exits.append(AccountExit(index, claim.leaf.balance, paid_on, _hash(receipt)))
            where = ", ".join(f"{token.format(a)} on {paying[i].name}" for i, a in split.items())
            say(f"exit of account {index} recorded on {self.primary.name}: {where}")
            for i, amount in split.items():
                self._wait(
                    _pending_reaches(paying[i], wallet.address, token.l2_id, before[i] + amount),
                    f"the exit payout to reach {paying[i].name} (a relayer carries it)",
                    say,
                )
            paid += claim.leaf.balance
            for c in paying.values():
                self._withdraw(c, wallet, token, say)
        return paid

    def _split(self, order: list[Chain], token: Token, amount: int, say: Say) -> dict[int, int]:
        """Take `amount` from the chains of `order` in turn, each as far as its vault allows: the amount
        per rollup chain id."""
        split: dict[int, int] = {}
        left = amount
        for c in order:
            if not left:
                break
            available = self._liquidity(c, token, say)
            if available:
                split[c.id] = min(available, left)
                left -= split[c.id]
        if left:
            known = ", ".join(f"{c.name} {token.format(self._liquidity(c, token, say))}" for c in order)
            raise UserError(
                f"short of liquidity: {token.format(amount)} to pay, these chains can pay {known}; "
                "name more chains with --chain"
            )
        return split

    def refund(self, wallet: Wallet, say: Say) -> int:
        """Refund on every chain the deposits of `wallet` that no block at or below R included."""
        self._require_exodus()
        refunded = 0
        for c in self.chains.values():
            state = ChainExodus.read(c)
            if not state.reference_known:
                say(f"{c.name}: waiting for R (the primary's exodus message; a relayer carries it)")
                self._wait(_knows_reference(c), f"{c.name} to learn R", say)
            self.finish(c, say)
            events = c.rollup.events.PriorityRequestQueued().get_logs(
                from_block=c.deploy_block,
                argument_filters={"account": Web3.to_checksum_address(wallet.address)},
            )
            for deposit in unexecuted_deposits(c, [dict(e["args"]) for e in events]):
                receipt = c.tx.send(refund_call(c, deposit), label="refund deposit")
                token = self._token(deposit.token)
                refund = Refund(c.name, deposit.serial, token.symbol, deposit.amount, _hash(receipt))
                self.journal.refunds.append(refund)
                say(f"{c.name}: deposit {deposit.serial} of {token.format(deposit.amount)} refunded")
                refunded += deposit.amount
            for t in self.tokens_of(c):
                if c.rollup.pending_balance(wallet.address, t.l2_id):
                    self._withdraw(c, wallet, t, say)
        if not refunded:
            raise UserError(f"{wallet.name} has no deposit left to refund on any chain")
        return refunded

    # -- helpers ---------------------------------------------------------------------------------------

    def _liquidity(self, payer: Chain, token: Token, say: Say) -> int:
        """What `payer` can still pay of `token`; a secondary reports its vault first if it has not."""
        if liquidity(self.primary, payer, token.l2_id) is None:
            self._wait(_knows_reference(payer), f"{payer.name} to learn R", say)
            self.finish(payer, say)
            receipt = payer.tx.send(report_liquidity_call(payer, token.l2_id), label="report liquidity")
            self.journal.liquidity_reports.append(LiquidityReport(payer.name, token.symbol, _hash(receipt)))
            say(f"{payer.name} reported its {token.symbol} vault to {self.primary.name}")
            self._wait(
                lambda: liquidity(self.primary, payer, token.l2_id) is not None,
                f"{self.primary.name} to learn {payer.name}'s vault (a relayer carries it)",
                say,
            )
        return liquidity(self.primary, payer, token.l2_id) or 0

    def _withdraw(self, chain: Chain, wallet: Wallet, token: Token, say: Say) -> None:
        owed = chain.rollup.pending_balance(wallet.address, token.l2_id)
        if owed:
            fn = chain.rollup.functions.withdrawPendingBalance(
                Web3.to_checksum_address(wallet.address), token.l2_id
            )
            receipt = chain.tx.send(fn, label="withdraw pending balance")
            tx = _hash(receipt)
            self.journal.payouts.append(Payout(chain.name, token.symbol, owed, wallet.address, tx))
            say(f"{chain.name}: paid {token.format(owed)} to {wallet.address} (tx {tx})")

    def _token(self, l2_id: int) -> Token:
        return next(t for t in self.tokens.values() if t.l2_id == l2_id)

    @staticmethod
    def _wait(done: Callable[[], bool], what: str, say: Say, timeout: float = MESSAGE_WAIT_S) -> None:
        if done():
            return
        say(f"waiting for {what}")
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise UserError(f"gave up after {timeout:.0f} s waiting for {what}: is a relayer running?")
            time.sleep(1.0)


def _hash(receipt: TxReceipt) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def _knows_reference(chain: Chain) -> Callable[[], bool]:
    return lambda: ChainExodus.read(chain).reference_known


def _pending_reaches(chain: Chain, owner: str, token: int, target: int) -> Callable[[], bool]:
    return lambda: chain.rollup.pending_balance(owner, token) >= target


def _revert_of(chain: Chain, fn: ContractFunction) -> tuple[str, tuple[object, ...]] | None:
    """The custom error `fn` would revert with if sent now from the chain's sender (None: it would not)."""
    try:
        fn.call({"from": Web3.to_checksum_address(chain.tx.address)}, "pending")  # the next block's clock
    except (ContractCustomError, ContractLogicError) as exc:
        data = getattr(exc, "data", None)
        return decode_revert(bytes.fromhex(str(data)[2:])) if isinstance(data, str) else None
    return None
