"""The L2 state: accounts in a quaternary Poseidon tree, and the rules every operation must follow.

Each `apply_*` first runs the matching `check_*`, which raises `TxRejected(code, message)` for any bad
input and changes nothing; only then does it write. Rejection codes are the `REJECT_*` constants.

Accounts are written at once, the tree lazily: leaf hashes and inner nodes are computed when a root or a
proof is read. Sequencer intake (signature check + account update) therefore costs no Merkle hashing;
block building, which needs a proof per slot, pays it there.

`fork()` gives a copy-on-write child state (blocks are built on one, so a failed build leaves the
parent as it was) and `merge()` writes a child back. The parent must not change while a child is used.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.crypto.eddsa import PublicKey, Signature
from orchestrator.errors import TxRejected
from orchestrator.l2.account import EMPTY, Account, pkh_of
from orchestrator.l2.amounts import is_packable
from orchestrator.l2.ops import DEPOSIT, FULL_EXIT, TRANSFER, WITHDRAW, kind_of
from orchestrator.l2.params import MAX_BALANCE, MAX_NONCE, Profile
from orchestrator.l2.tree import Proof, QuadTree
from orchestrator.l2.tx import Deposit, FullExit, L2Record, OnChainOp, OpRecord, Transfer, Withdraw

REJECT_MALFORMED = "malformed"
REJECT_BAD_SIGNATURE = "bad_signature"
REJECT_BAD_NONCE = "bad_nonce"
REJECT_NONCE_OVERFLOW = "nonce_overflow"
REJECT_INSUFFICIENT_BALANCE = "insufficient_balance"
REJECT_BALANCE_OVERFLOW = "balance_overflow"
REJECT_UNKNOWN_ACCOUNT = "unknown_account"
REJECT_BAD_INDEX = "bad_index"
REJECT_ACCOUNT_MISMATCH = "account_mismatch"
REJECT_UNKNOWN_TOKEN = "unknown_token"
REJECT_TOKEN_MISMATCH = "token_mismatch"
REJECT_NOT_OWNER = "not_owner"
REJECT_AMOUNT_NOT_PACKABLE = "amount_not_packable"
REJECT_AMOUNT_TOO_LARGE = "amount_too_large"
REJECT_ZERO_AMOUNT = "zero_amount"
REJECT_SAME_ACCOUNT = "same_account"
REJECT_TREE_FULL = "tree_full"
REJECT_INSUFFICIENT_LIQUIDITY = "insufficient_liquidity"
REJECT_BAD_PKH = "bad_pkh"
REJECT_BAD_CHAIN = "bad_chain"  # raised by the transaction constructors (tx.py)
REJECT_BAD_ADDRESS = "bad_address"  # raised by account.address_to_int

_Key = tuple[int, int, int]  # (pkh, eth_address, token)


class L2State:
    """Accounts, the state tree, the account lookup and the per-chain vault ledger (section 10).

    `tokens` maps each L2 token id to the rollup chain ids that map it; `None` allows every token on
    every chain (tests). `check_liquidity` refuses withdrawals that the target chain's vault, as far
    as the operations placed so far tell, could not pay.
    """

    def __init__(
        self,
        profile: Profile,
        *,
        tokens: Mapping[int, Collection[int]] | None = None,
        check_liquidity: bool = True,
    ) -> None:
        self.profile = profile
        self.tokens = tokens
        self.check_liquidity = check_liquidity
        self._tree = QuadTree(profile.depth)
        self._accounts: dict[int, Account] = {}
        self._by_key: dict[_Key, tuple[int, ...]] = {}
        self._vault: dict[tuple[int, int], int] = {}
        self._next_free = 0
        self._dirty: set[int] = set()
        self._parent: L2State | None = None
        self._parent_version = 0
        self._version = 0
        self._merged = False

    @classmethod
    def from_accounts(
        cls,
        profile: Profile,
        accounts: Iterable[tuple[int, Account]],
        *,
        vault: Mapping[tuple[int, int], int] | None = None,
        tokens: Mapping[int, Collection[int]] | None = None,
        check_liquidity: bool = True,
    ) -> L2State:
        """A state holding `accounts` (index, account) and the vault ledger, e.g. restored from a store."""
        state = cls(profile, tokens=tokens, check_liquidity=check_liquidity)
        for index, account in accounts:
            state._check_index(index)
            state._write(index, account)
        state._vault.update(vault or {})
        state._advance_next_free()
        return state

    # -- reading ---------------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        return self.profile.depth

    def _check_usable(self) -> None:
        if self._merged:
            raise RuntimeError("this state fork was merged into its parent and can no longer be used")
        if self._parent is not None and self._parent._version != self._parent_version:
            raise RuntimeError("the parent of this state fork changed after the fork was made")

    def _check_index(self, index: int, code: str = REJECT_BAD_INDEX) -> None:
        if type(index) is not int or not 0 <= index < 1 << self.profile.depth:
            raise TxRejected(code, f"account index {index!r} is outside the tree [0, 2^{self.profile.depth})")

    def _get(self, index: int) -> Account:
        state: L2State | None = self
        while state is not None:
            account = state._accounts.get(index)
            if account is not None:
                return account
            state = state._parent
        return EMPTY

    def _keyed(self, key: _Key) -> tuple[int, ...]:
        state: L2State | None = self
        while state is not None:
            found = state._by_key.get(key)
            if found is not None:
                return found
            state = state._parent
        return ()

    def account(self, index: int) -> Account:
        """The account at `index` (`EMPTY` if none); raises `TxRejected("bad_index")` outside the tree."""
        self._check_usable()
        self._check_index(index)
        return self._get(index)

    def find_account(self, pkh: int, eth_address: int, token: int) -> int | None:
        """The lowest index of an existing account with these owner keys and token, if any."""
        self._check_usable()
        found = self._keyed((pkh, eth_address, token))
        return found[0] if found else None

    def items(self) -> Iterator[tuple[int, Account]]:
        """Every non-empty account (index, account), in index order."""
        self._check_usable()
        chain: list[L2State] = []
        state: L2State | None = self
        while state is not None:
            chain.append(state)
            state = state._parent
        merged: dict[int, Account] = {}
        for s in reversed(chain):
            merged.update(s._accounts)
        return iter(sorted((i, a) for i, a in merged.items() if not a.is_empty))

    @property
    def next_free_index(self) -> int:
        """Where a deposit for a new account goes (2^D when the tree is full)."""
        return self._next_free

    def vault(self, chain: int, token: int) -> int:
        """Deposits minus withdrawals and full exits placed on `chain` for `token` (may go negative
        only through full exits, which cannot be refused)."""
        return self._vault.get((chain, token), 0)

    def vaults(self) -> dict[tuple[int, int], int]:
        return dict(self._vault)

    def _sync_tree(self) -> None:
        if self._dirty:
            self._tree.set_leaves((i, self._get(i).leaf_hash) for i in sorted(self._dirty))
            self._dirty.clear()

    @property
    def root(self) -> int:
        """The state root (computes pending hashes)."""
        self._check_usable()
        self._sync_tree()
        return self._tree.root

    def proof(self, index: int) -> Proof:
        """Merkle proof of the account at `index` in the current state."""
        self._check_usable()
        self._check_index(index)
        self._sync_tree()
        return self._tree.proof(index)

    # -- writing ---------------------------------------------------------------------------------------

    def _write(self, index: int, account: Account) -> None:
        old = self._get(index)
        if old.exists and (old.pkh, old.eth_address, old.token) != (
            account.pkh,
            account.eth_address,
            account.token,
        ):
            raise AssertionError("an existing account never changes owner or token")
        if account.exists and not old.exists:
            key = (account.pkh, account.eth_address, account.token)
            self._by_key[key] = tuple(sorted((*self._keyed(key), index)))
        self._accounts[index] = account
        self._dirty.add(index)
        self._version += 1

    def _advance_next_free(self) -> None:
        capacity = 1 << self.profile.depth
        while self._next_free < capacity and not self._get(self._next_free).is_empty:
            self._next_free += 1

    def _token_on_chain(self, token: int, chain: int) -> None:
        if self.tokens is not None and chain not in self.tokens.get(token, ()):
            raise TxRejected(REJECT_UNKNOWN_TOKEN, f"token {token} is not mapped on rollup chain {chain}")

    def _sender(
        self, index: int, public_key: PublicKey | None, signature: Signature | None, nonce: int
    ) -> Account:
        """The existing sender account, owned by `public_key`, at `nonce`: the checks shared by signed txs."""
        self._check_index(index, REJECT_UNKNOWN_ACCOUNT)
        sender = self._get(index)
        if not sender.exists:
            raise TxRejected(REJECT_UNKNOWN_ACCOUNT, f"account {index} does not exist")
        if public_key is None or signature is None:
            raise TxRejected(REJECT_BAD_SIGNATURE, "the transaction is not signed")
        if pkh_of(public_key) != sender.pkh:
            raise TxRejected(REJECT_NOT_OWNER, f"account {index} is not owned by the signing key")
        if nonce != sender.nonce:
            raise TxRejected(REJECT_BAD_NONCE, f"account {index} expects nonce {sender.nonce}, got {nonce}")
        if sender.nonce >= MAX_NONCE:
            raise TxRejected(REJECT_NONCE_OVERFLOW, f"account {index} has used all its nonces")
        return sender

    @staticmethod
    def _check_signature(tx: Transfer | Withdraw, domain: int, verified: bool) -> None:
        if not verified and not tx.verify_signature(domain):
            raise TxRejected(REJECT_BAD_SIGNATURE, "the signature does not verify")

    # -- transfers -------------------------------------------------------------------------------------

    def check_transfer(self, tx: Transfer, domain: int, *, signature_verified: bool = False) -> None:
        """Raise `TxRejected` unless `tx` can be applied now.

        `signature_verified=True` skips only the EdDSA check (the costliest step), for a caller that
        ran `tx.verify_signature(domain)` itself, e.g. in worker processes; ownership is still checked.
        """
        self._check_usable()
        if not isinstance(tx, Transfer):
            raise TxRejected(REJECT_MALFORMED, f"not a Transfer: {type(tx).__name__}")
        if tx.amount == 0:
            raise TxRejected(REJECT_ZERO_AMOUNT, "a transfer moves a positive amount")
        if not is_packable(tx.amount):
            raise TxRejected(REJECT_AMOUNT_NOT_PACKABLE, f"amount {tx.amount} has no exact packed form")
        if tx.from_index == tx.to_index:
            raise TxRejected(REJECT_SAME_ACCOUNT, "a transfer needs two different accounts")
        sender = self._sender(tx.from_index, tx.public_key, tx.signature, tx.nonce)
        self._check_index(tx.to_index, REJECT_UNKNOWN_ACCOUNT)
        receiver = self._get(tx.to_index)
        if not receiver.exists:
            raise TxRejected(REJECT_UNKNOWN_ACCOUNT, f"receiver account {tx.to_index} does not exist")
        if receiver.token != sender.token:
            raise TxRejected(
                REJECT_TOKEN_MISMATCH,
                f"receiver {tx.to_index} holds token {receiver.token}, the sender token {sender.token}",
                {"receiver": tx.to_index, "receiver_token": receiver.token, "token": sender.token},
            )
        if tx.amount > sender.balance:
            raise _short(tx.from_index, sender, tx.amount)
        if receiver.balance + tx.amount > MAX_BALANCE:
            raise TxRejected(REJECT_BALANCE_OVERFLOW, f"receiver {tx.to_index} balance would reach 2^128")
        self._check_signature(tx, domain, signature_verified)

    def apply_transfer(self, tx: Transfer, domain: int, *, signature_verified: bool = False) -> L2Record:
        """Check and apply `tx`; returns its 14-byte record."""
        self.check_transfer(tx, domain, signature_verified=signature_verified)
        record = tx.record()
        self._write(tx.from_index, self._get(tx.from_index).debit(tx.amount, bump_nonce=True))
        self._write(tx.to_index, self._get(tx.to_index).credit(tx.amount))
        return record

    # -- on-chain operations ---------------------------------------------------------------------------

    def check_withdraw(self, tx: Withdraw, domain: int, *, signature_verified: bool = False) -> None:
        self._check_usable()
        if not isinstance(tx, Withdraw):
            raise TxRejected(REJECT_MALFORMED, f"not a Withdraw: {type(tx).__name__}")
        if tx.amount == 0:
            raise TxRejected(REJECT_ZERO_AMOUNT, "a withdrawal pays a positive amount")
        sender = self._sender(tx.from_index, tx.public_key, tx.signature, tx.nonce)
        self._token_on_chain(sender.token, tx.chain)
        if tx.amount > sender.balance:
            raise _short(tx.from_index, sender, tx.amount)
        if self.check_liquidity and self.vault(tx.chain, sender.token) < tx.amount:
            raise TxRejected(
                REJECT_INSUFFICIENT_LIQUIDITY,
                f"the vault of chain {tx.chain} holds {self.vault(tx.chain, sender.token)} of token "
                f"{sender.token} < {tx.amount}: withdraw to another chain",
                {
                    "chain": tx.chain,
                    "token": sender.token,
                    "available": self.vault(tx.chain, sender.token),
                    "amount": tx.amount,
                },
            )
        self._check_signature(tx, domain, signature_verified)

    def apply_withdraw(self, tx: Withdraw, domain: int, *, signature_verified: bool = False) -> OpRecord:
        self.check_withdraw(tx, domain, signature_verified=signature_verified)
        sender = self._get(tx.from_index)
        self._write(tx.from_index, sender.debit(tx.amount, bump_nonce=True))
        self._vault[(tx.chain, sender.token)] = self.vault(tx.chain, sender.token) - tx.amount
        return tx.record(sender.token)

    def check_deposit(self, op: Deposit, index: int | None = None) -> int:
        """The account index `op` will credit: `index` if given (checked), else the lowest existing
        account of the same (pkh, address, token) that has room, else the next free index."""
        self._check_usable()
        if not isinstance(op, Deposit):
            raise TxRejected(REJECT_MALFORMED, f"not a Deposit: {type(op).__name__}")
        if op.pkh == 0:
            # The circuit refuses it: pkh 0 marks an empty leaf, so the funds would belong to no one.
            raise TxRejected(REJECT_BAD_PKH, "a deposit must name a public key hash (pkh != 0)")
        self._token_on_chain(op.token, op.chain)
        if index is not None:
            self._check_index(index)
            account = self._get(index)
            if not account.is_empty and (
                not account.exists
                or (account.pkh, account.eth_address, account.token) != (op.pkh, op.address, op.token)
            ):
                raise TxRejected(
                    REJECT_ACCOUNT_MISMATCH, f"account {index} belongs to another owner or token"
                )
            if account.balance + op.amount > MAX_BALANCE:
                raise TxRejected(REJECT_BALANCE_OVERFLOW, f"account {index} balance would reach 2^128")
            return index
        for candidate in self._keyed((op.pkh, op.address, op.token)):
            if self._get(candidate).balance + op.amount <= MAX_BALANCE:
                return candidate
        if self._next_free >= 1 << self.profile.depth:
            raise TxRejected(REJECT_TREE_FULL, f"all 2^{self.profile.depth} accounts are taken")
        return self._next_free

    def apply_deposit(self, op: Deposit, index: int | None = None) -> OpRecord:
        index = self.check_deposit(op, index)
        account = self._get(index)
        if account.is_empty:
            account = Account(op.pkh, op.address, op.token, 0, 0)
        self._write(index, account.credit(op.amount))
        self._vault[(op.chain, op.token)] = self.vault(op.chain, op.token) + op.amount
        self._advance_next_free()
        return op.record(index)

    def check_full_exit(self, op: FullExit) -> int:
        """The amount `op` exits: the balance if `op.address` owns the account with `op.token`, else 0."""
        self._check_usable()
        if not isinstance(op, FullExit):
            raise TxRejected(REJECT_MALFORMED, f"not a FullExit: {type(op).__name__}")
        self._check_index(op.account_index)
        self._token_on_chain(op.token, op.chain)
        account = self._get(op.account_index)
        if account.exists and account.token == op.token and account.eth_address == op.address:
            return account.balance
        return 0

    def apply_full_exit(self, op: FullExit) -> OpRecord:
        exited = self.check_full_exit(op)
        if exited:
            self._write(op.account_index, self._get(op.account_index).with_balance(0))
            self._vault[(op.chain, op.token)] = self.vault(op.chain, op.token) - exited
        return op.record(exited)

    def apply_op(
        self, op: OnChainOp, domain: int, index: int | None = None, *, signature_verified: bool = False
    ) -> OpRecord:
        """Apply any on-chain slot operation, by its kind (`_ONCHAIN_RULES`); a deposit goes to `index`
        if given (checked), else where `check_deposit` picks."""
        return _onchain_rules(op).apply(self, op, index, domain, signature_verified)

    def check_signed(self, tx: Transfer | Withdraw, domain: int, *, signature_verified: bool = False) -> None:
        """Check any transaction signed on L2, by its kind (`_SIGNED_RULES`): the mempool's entry."""
        _signed_rules(tx).check(self, tx, domain, signature_verified)

    def apply_signed(self, tx: Transfer | Withdraw, domain: int, *, signature_verified: bool = False) -> None:
        """Check and apply any transaction signed on L2, by its kind."""
        _signed_rules(tx).apply(self, tx, domain, signature_verified)

    def op_account_index(self, op: OnChainOp) -> int:
        """The account an on-chain operation touches (for a deposit: where it would go now)."""
        return _onchain_rules(op).account(self, op)

    # -- forks -----------------------------------------------------------------------------------------

    def fork(self) -> L2State:
        """A copy-on-write child state; this state must not change while the child is used (reading its
        root or a proof counts as a change if it has unhashed accounts: the child then refuses to go on).
        Costs no hashing: the child takes over the accounts whose leaves are not hashed yet."""
        self._check_usable()
        child = L2State.__new__(L2State)
        child.profile = self.profile
        child.tokens = self.tokens
        child.check_liquidity = self.check_liquidity
        child._tree = self._tree.fork()
        child._accounts = {}
        child._by_key = {}
        child._vault = dict(self._vault)
        child._next_free = self._next_free
        child._dirty = set(self._dirty)
        child._parent = self
        child._parent_version = self._version
        child._version = 0
        child._merged = False
        return child

    def merge(self) -> None:
        """Write this fork's changes into its parent; the fork cannot be used afterwards."""
        self._check_usable()
        parent = self._parent
        if parent is None:
            raise RuntimeError("merge() needs a state made by fork()")
        self._tree.merge()
        parent._dirty = self._dirty  # began as the parent's; what the child hashed is in its tree
        parent._accounts.update(self._accounts)
        parent._by_key.update(self._by_key)
        parent._vault = self._vault
        parent._next_free = self._next_free
        parent._version += 1
        self._merged = True

    def __repr__(self) -> str:
        return f"L2State(profile={self.profile.name}, next_free_index={self._next_free})"


def _short(index: int, sender: Account, amount: int) -> TxRejected:
    """The refusal of `amount` from account `index`, which holds less."""
    return TxRejected(
        REJECT_INSUFFICIENT_BALANCE,
        f"account {index} holds {sender.balance} < {amount}",
        {"account": index, "token": sender.token, "balance": sender.balance, "amount": amount},
    )


@dataclass(frozen=True)
class _OnchainRules:
    """How the state handles one on-chain kind: the account it touches and how it is applied
    (`apply(state, op, index, domain, signature_verified)`; only a deposit takes a chosen index)."""

    account: Callable[[L2State, Any], int]
    apply: Callable[[L2State, Any, int | None, int, bool], OpRecord]


_ONCHAIN_RULES: dict[int, _OnchainRules] = {
    DEPOSIT: _OnchainRules(
        account=lambda s, op: s.check_deposit(op),
        apply=lambda s, op, index, domain, verified: s.apply_deposit(op, index),
    ),
    WITHDRAW: _OnchainRules(
        account=lambda s, op: op.from_index,
        apply=lambda s, op, index, domain, verified: s.apply_withdraw(
            op, domain, signature_verified=verified
        ),
    ),
    FULL_EXIT: _OnchainRules(
        account=lambda s, op: op.account_index,
        apply=lambda s, op, index, domain, verified: s.apply_full_exit(op),
    ),
}
"""One entry per on-chain kind of ops.py but Noop (which only pads); each `apply_*` checks the
object's class itself, so a wrong object is refused as malformed, never misapplied."""


@dataclass(frozen=True)
class _SignedRules:
    """How the state checks and applies one kind signed on L2 (`(state, tx, domain, verified)`)."""

    check: Callable[[L2State, Any, int, bool], None]
    apply: Callable[[L2State, Any, int, bool], object]


_SIGNED_RULES: dict[int, _SignedRules] = {
    TRANSFER: _SignedRules(
        check=lambda s, tx, domain, verified: s.check_transfer(tx, domain, signature_verified=verified),
        apply=lambda s, tx, domain, verified: s.apply_transfer(tx, domain, signature_verified=verified),
    ),
    WITHDRAW: _SignedRules(
        check=lambda s, tx, domain, verified: s.check_withdraw(tx, domain, signature_verified=verified),
        apply=lambda s, tx, domain, verified: s.apply_withdraw(tx, domain, signature_verified=verified),
    ),
}
"""One entry per `signed` kind of ops.py."""


def _signed_rules(tx: object) -> _SignedRules:
    rules = _SIGNED_RULES.get(kind_of(tx).code)
    if rules is None:
        raise TxRejected(REJECT_MALFORMED, f"not a transaction signed on L2: {type(tx).__name__}")
    return rules


def _onchain_rules(op: object) -> _OnchainRules:
    rules = _ONCHAIN_RULES.get(kind_of(op).code)
    if rules is None:
        raise TxRejected(REJECT_MALFORMED, f"not an on-chain operation: {type(op).__name__}")
    return rules
