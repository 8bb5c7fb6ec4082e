"""The one way a transaction is sent: one account (its key owned here) on one chain.

- `send(fn)`: send and wait. The gas is estimated, so a call that would revert fails before anything is
  signed, with the contract's custom error decoded (`ChainTxError`). A transaction not mined within
  `stuck_after_s` is sent again with the same nonce and fees raised by an eighth (nodes want at least a
  tenth: 12.5 % clears it), so exactly one copy can ever mine.
- `submit(fn, gas=...)` then `wait(tx_hash)`: pipelined. No estimate (a fixed gas limit) and no wait
  between submissions, each at the next nonce: deployments send dozens of transactions this way.
- `transfer(to, value)`: plain ETH (the devnet faucet).

Every transaction is written to a `sent_txs` table before it is broadcast. A daemon passes its store, so a
restart finds what a crash left in flight (`reconcile`): mined ones are recorded, ones the node still knows
are waited for, ones it forgot are broadcast again from the stored bytes. Without a store the table lives
in memory, for one process's life (CLI commands, tests, tools).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3Exception
from web3.types import Nonce, TxParams, TxReceipt, Wei

from orchestrator.contracts.reverts import describe_revert_data, node_error_text
from orchestrator.crashpoints import crashpoint
from orchestrator.errors import ChainTxError
from orchestrator.store.db import Database
from orchestrator.store.sent import FAILED, MINED, REPLACED, SENT, SENT_TXS_TABLE

FEE_BUMP = (9, 8)  # x 1.125
POLL_S = 0.05
TRANSFER_GAS = 21_000

Call = ContractFunction | ContractConstructor


@dataclass(frozen=True)
class GasRecord:
    label: str
    chain: str
    gas_used: int
    calldata_bytes: int


@dataclass
class Sender:
    """Sends `key`'s transactions on `chain` (see the module docstring)."""

    w3: Web3
    chain: str
    key: str
    db: Database | None = None
    stuck_after_s: float = 15.0
    give_up_after_s: float = 180.0
    gas_log: list[GasRecord] | None = None  # every mined transaction's gas, if given (may be shared)
    account: LocalAccount = field(init=False)
    address: ChecksumAddress = field(init=False)

    def __post_init__(self) -> None:
        self.account = Account.from_key(self.key)
        self.address = self.account.address
        if self.db is None:
            self.db = Database(Path(":memory:"), [SENT_TXS_TABLE], kind="sender")

    @property
    def store(self) -> Database:
        assert self.db is not None  # set in __post_init__
        return self.db

    # -- send and wait ---------------------------------------------------------------------------------

    def send(self, fn: Call, *, value: int = 0, label: str | None = None) -> TxReceipt:
        """Send `fn`, wait until mined, resubmitting when stuck. Raises `ChainTxError` if it would revert,
        reverted, or never mined."""
        what = label or str(getattr(fn, "fn_name", "deploy"))
        self.reconcile()
        tx = self.build(fn, value, what)
        return self._record_gas(tx, self._broadcast_and_wait(tx, what), what)

    def transfer(self, to: str, value: int, label: str = "transfer") -> TxReceipt:
        """Send `value` wei to `to` and wait."""
        self.reconcile()
        fee = 2 * int(self.w3.eth.gas_price) + 1
        tx = {
            "to": Web3.to_checksum_address(to),
            "value": value,
            "gas": TRANSFER_GAS,
            "maxFeePerGas": fee,
            "maxPriorityFeePerGas": 1,
            "nonce": self.next_nonce(),
            "chainId": int(self.w3.eth.chain_id),
        }
        return self._record_gas(tx, self._broadcast_and_wait(tx, label), label)

    def build(self, fn: Call, value: int, what: str) -> dict[str, Any]:
        """`fn` as an unsigned transaction at this account's next nonce, gas estimated."""
        params: TxParams = {"from": self.address, "value": Wei(value), "nonce": Nonce(self.next_nonce())}
        return cast(dict[str, Any], prepare(self.chain, fn, params, what))

    # -- pipelined -------------------------------------------------------------------------------------

    def submit(self, fn: Call, *, gas: int, value: int = 0, label: str | None = None) -> str:
        """Sign, store and broadcast `fn` with a fixed gas limit at the next nonce; its hash. No estimate
        (it would race the previous submission's block) and no wait: `wait` for it later."""
        what = label or str(getattr(fn, "fn_name", "deploy"))
        params: TxParams = {
            "from": self.address,
            "value": Wei(value),
            "nonce": Nonce(self.next_nonce()),
            "gas": gas,
            "chainId": int(self.w3.eth.chain_id),
        }
        try:
            tx = cast(dict[str, Any], fn.build_transaction(params))
        except (OSError, Web3Exception) as exc:
            reason = node_error_text(exc)
            raise ChainTxError(f"{self.chain}: {what} could not be prepared: {reason}") from None
        return self.broadcast(tx, what)

    def wait(self, tx_hash: str) -> TxReceipt:
        """The receipt of a submitted transaction once mined; `ChainTxError` if it reverted or never mined."""
        rows = self.store.query("SELECT label FROM sent_txs WHERE tx_hash = ?", (tx_hash,))
        what = str(rows[0]["label"]) if rows else tx_hash
        deadline = time.monotonic() + self.give_up_after_s
        while (receipt := self._receipt(tx_hash)) is None:
            if time.monotonic() > deadline:
                raise ChainTxError(f"{self.chain}: {what} not mined after {self.give_up_after_s:.0f} s")
            time.sleep(POLL_S)
        return self._settle(tx_hash, [tx_hash], receipt, what)

    # -- internals -------------------------------------------------------------------------------------

    def _record_gas(self, tx: dict[str, Any], receipt: TxReceipt, what: str) -> TxReceipt:
        if self.gas_log is not None:
            data = str(tx.get("data", "0x"))
            self.gas_log.append(GasRecord(what, self.chain, int(receipt["gasUsed"]), (len(data) - 2) // 2))
        return receipt

    def next_nonce(self) -> int:
        """The nonce this account's next transaction gets (after everything stored or pending)."""
        pending = int(self.w3.eth.get_transaction_count(self.address, "pending"))
        rows = self.store.query(
            "SELECT MAX(nonce) FROM sent_txs WHERE chain = ? AND sender = ? AND status = ?",
            (self.chain, self.address, SENT),
        )
        stored = rows[0][0]
        return max(pending, -1 if stored is None else int(stored) + 1)

    def _broadcast_and_wait(self, tx: dict[str, Any], what: str) -> TxReceipt:
        started = time.monotonic()
        hashes = [self.broadcast(tx, what)]
        crashpoint(f"sent:{what.split()[0]}")  # TEST-ONLY: between broadcast and receipt
        last_sent = time.monotonic()
        while True:
            for h in hashes:
                receipt = self._receipt(h)
                if receipt is not None:
                    settled = self._settle(h, hashes, receipt, what)
                    crashpoint(f"mined:{what.split()[0]}")  # TEST-ONLY: a stage boundary
                    return settled
            now = time.monotonic()
            if now - started > self.give_up_after_s:
                raise ChainTxError(f"{self.chain}: {what} not mined after {self.give_up_after_s:.0f} s")
            if now - last_sent > self.stuck_after_s and self._nonce_open(int(tx["nonce"])):
                tx = _bumped(tx)
                hashes.append(self.broadcast(tx, what))
                last_sent = now
            time.sleep(POLL_S)

    def broadcast(self, tx: dict[str, Any], what: str) -> str:
        """Sign `tx`, store it, then broadcast it (in that order: a crash never loses a sent transaction);
        its hash. Does not wait."""
        signed = self.account.sign_transaction(tx)
        tx_hash = "0x" + bytes(signed.hash).hex()
        with self.store.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO sent_txs VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                (
                    tx_hash,
                    self.chain,
                    self.address,
                    int(tx["nonce"]),
                    what,
                    "0x" + bytes(signed.raw_transaction).hex(),
                    SENT,
                    time.time(),
                ),
            )
        self._broadcast(bytes(signed.raw_transaction), what)
        return tx_hash

    def _broadcast(self, raw: bytes, what: str) -> None:
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3Exception as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text or "nonce too low" in text:
                return  # a copy is in the pool or the nonce was taken: the wait sorts out which
            reason = node_error_text(exc)
            raise ChainTxError(f"{self.chain}: {what} was refused by the node: {reason}") from None
        except OSError as exc:
            raise ChainTxError(f"{self.chain}: {what} could not be sent: {node_error_text(exc)}") from None

    def _receipt(self, tx_hash: str) -> TxReceipt | None:
        try:
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        except (OSError, Web3Exception) as exc:
            reason = node_error_text(exc)
            raise ChainTxError(f"{self.chain}: cannot read the receipt of {tx_hash}: {reason}") from None

    def _nonce_open(self, nonce: int) -> bool:
        return int(self.w3.eth.get_transaction_count(self.address, "latest")) <= nonce

    def _settle(self, mined: str, copies: list[str], receipt: TxReceipt, what: str) -> TxReceipt:
        ok = receipt["status"] == 1
        with self.store.write() as c:
            c.execute(
                "UPDATE sent_txs SET status = ?, mined_block = ?, gas_used = ? WHERE tx_hash = ?",
                (MINED if ok else FAILED, int(receipt["blockNumber"]), int(receipt["gasUsed"]), mined),
            )
            for other in copies:
                if other != mined:
                    c.execute("UPDATE sent_txs SET status = ? WHERE tx_hash = ?", (REPLACED, other))
        if not ok:
            raise ChainTxError(f"{self.chain}: {what} reverted in block {receipt['blockNumber']}")
        return receipt

    # -- after a restart -------------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Settle every transaction a previous run left in flight: record the mined ones, wait for (and
        rebroadcast) the ones whose nonce is still open. A reverted leftover is recorded, not raised:
        the stages re-read the chains and decide again."""
        rows = self.store.query(
            "SELECT tx_hash, nonce, label, raw FROM sent_txs WHERE chain = ? AND sender = ? AND status = ? "
            "ORDER BY nonce",
            (self.chain, self.address, SENT),
        )
        by_nonce: dict[int, list[Any]] = {}
        for r in rows:
            by_nonce.setdefault(int(r["nonce"]), []).append(r)
        for nonce, copies in by_nonce.items():
            hashes = [str(r["tx_hash"]) for r in copies]
            found = self._any_receipt(hashes)
            if found is None and self._nonce_open(nonce):
                for r in copies:
                    self._broadcast(bytes.fromhex(str(r["raw"])[2:]), str(r["label"]))
                found = self._wait_any(hashes, nonce)
            elif found is None:  # the nonce closed since the first look: perhaps by one of these copies
                found = self._any_receipt(hashes)
            if found is None:
                with self.store.write() as c:
                    c.executemany(
                        "UPDATE sent_txs SET status = ? WHERE tx_hash = ?", [(REPLACED, h) for h in hashes]
                    )
                continue
            with contextlib.suppress(ChainTxError):
                self._settle(found[0], hashes, found[1], str(copies[0]["label"]))

    def _any_receipt(self, hashes: list[str]) -> tuple[str, TxReceipt] | None:
        return next(((h, rc) for h in hashes if (rc := self._receipt(h)) is not None), None)

    def _wait_any(self, hashes: list[str], nonce: int) -> tuple[str, TxReceipt] | None:
        deadline = time.monotonic() + self.give_up_after_s
        while time.monotonic() < deadline:
            found = self._any_receipt(hashes)
            if found is not None:
                return found
            if not self._nonce_open(nonce):
                return self._any_receipt(hashes)  # mined between the two looks, or taken by another
            time.sleep(POLL_S)
        raise ChainTxError(f"{self.chain}: transaction at nonce {nonce} still not mined after a restart")


def prepare(chain: str, fn: Call, params: TxParams, what: str) -> TxParams:
    """The transaction for `fn` with gas estimated; a call that would revert raises `ChainTxError` naming
    the contract's custom error, before anything is signed."""
    try:
        return fn.build_transaction(params)
    except (ContractCustomError, ContractLogicError) as exc:
        described = describe_revert_data(getattr(exc, "data", None))
        name = described.split("(", 1)[0] if described else None
        reason = described or node_error_text(exc)
        raise ChainTxError(f"{chain}: {what} would revert: {reason}", name) from None
    except (OSError, Web3Exception) as exc:
        raise ChainTxError(f"{chain}: {what} could not be prepared: {node_error_text(exc)}") from None


def _bumped(tx: dict[str, Any]) -> dict[str, Any]:
    """The same transaction with every fee field raised by FEE_BUMP (rounded up)."""
    out = dict(tx)
    num, den = FEE_BUMP
    for name in ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice"):
        if name in out:
            out[name] = -(-int(out[name]) * num // den)
    return out
