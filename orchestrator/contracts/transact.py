"""Send one contract call and wait for it: the synchronous path the settlement driver and tools use.

A call that would revert fails before it is sent, with the contract's custom error decoded
(`ChainTxError`), so nothing reaches the chain. The sequencer's sender (nonces, resubmission) replaces this
for the daemons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception
from web3.types import TxParams, TxReceipt, Wei

from orchestrator.contracts.reverts import describe_revert_data, node_error_text
from orchestrator.errors import ChainTxError

RECEIPT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class GasRecord:
    label: str
    chain: str
    gas_used: int
    calldata_bytes: int


@dataclass
class Transactor:
    """Signs and sends calls on one chain, one at a time, and keeps the gas each one used."""

    w3: Web3
    chain: str
    gas_log: list[GasRecord] = field(default_factory=list)  # may be shared by several transactors

    def send(
        self,
        key: str,
        fn: ContractFunction | ContractConstructor,
        *,
        value: int = 0,
        label: str | None = None,
    ) -> TxReceipt:
        account: LocalAccount = Account.from_key(key)
        what = label or str(getattr(fn, "fn_name", "deploy"))
        nonce = self.w3.eth.get_transaction_count(account.address)
        tx = prepare(self.chain, fn, {"from": account.address, "value": Wei(value), "nonce": nonce}, what)
        signed = account.sign_transaction(cast(dict[str, Any], tx))
        try:
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=RECEIPT_TIMEOUT_S, poll_latency=0.05
            )
        except (OSError, Web3Exception) as exc:
            raise ChainTxError(f"{self.chain}: {what} failed: {node_error_text(exc)}") from None
        if receipt["status"] != 1:
            raise ChainTxError(f"{self.chain}: {what} reverted in block {receipt['blockNumber']}")
        data = bytes.fromhex(str(tx["data"])[2:]) if isinstance(tx.get("data"), str) else b""
        self.gas_log.append(GasRecord(what, self.chain, int(receipt["gasUsed"]), len(data)))
        return receipt


def prepare(chain: str, fn: ContractFunction | ContractConstructor, params: TxParams, what: str) -> TxParams:
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
