"""L2 operations as JSON: how the sequencer stores blocks and requests, and how wallets send transactions.

A signed transaction is `{"type": "transfer" | "withdraw", ...}` with the fields of `Transfer.to_json` or
`Withdraw.to_json`; its hash is keccak256 of the canonical JSON of those fields (sorted keys, no spaces),
so the same signed transaction always has the same hash.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from eth_utils.crypto import keccak

from orchestrator.errors import TxRejected
from orchestrator.l2.tx import Deposit, FullExit, OnChainOp, Transfer, Withdraw


class WireType(StrEnum):
    """The `"type"` of an operation in JSON (the record type bytes are orchestrator/l2/params.py's)."""

    TRANSFER = "transfer"
    WITHDRAW = "withdraw"
    DEPOSIT = "deposit"
    FULL_EXIT = "full_exit"


L2Tx = Transfer | Withdraw


def l2_tx_from_json(data: Any) -> L2Tx:
    """Parse a wallet's transaction; `TxRejected("malformed")` when it is not one."""
    if not isinstance(data, dict):
        raise TxRejected("malformed", 'a transaction is a JSON object with a "type"')
    kind = data.get("type")
    fields = {k: v for k, v in data.items() if k != "type"}
    if kind == WireType.TRANSFER:
        return Transfer.from_json(fields)
    if kind == WireType.WITHDRAW:
        return Withdraw.from_json(fields)
    raise TxRejected("malformed", f'unknown transaction type {kind!r}: expected "transfer" or "withdraw"')


def l2_tx_to_json(tx: L2Tx) -> dict[str, Any]:
    return {"type": WireType.TRANSFER if isinstance(tx, Transfer) else WireType.WITHDRAW, **tx.to_json()}


def l2_tx_hash(tx: L2Tx) -> str:
    canonical = json.dumps(l2_tx_to_json(tx), sort_keys=True, separators=(",", ":"))
    return "0x" + keccak(canonical.encode()).hex()


def request_to_json(op: Deposit | FullExit) -> dict[str, Any]:
    if isinstance(op, Deposit):
        return {"type": WireType.DEPOSIT, "chain": op.chain, "serial": op.serial, "token": op.token,
                "amount": str(op.amount), "address": hex(op.address), "pkh": hex(op.pkh)}  # fmt: skip
    return {"type": WireType.FULL_EXIT, "chain": op.chain, "serial": op.serial, "account": op.account_index,
            "token": op.token, "address": hex(op.address)}  # fmt: skip


def request_from_json(d: dict[str, Any]) -> Deposit | FullExit:
    if d["type"] == WireType.DEPOSIT:
        return Deposit(int(d["chain"]), int(d["serial"]), int(d["token"]), int(d["amount"]),
                       int(d["address"], 16), int(d["pkh"], 16))  # fmt: skip
    return FullExit(
        int(d["chain"]), int(d["serial"]), int(d["account"]), int(d["token"]), int(d["address"], 16)
    )


def op_to_json(op: OnChainOp) -> dict[str, Any]:
    return l2_tx_to_json(op) if isinstance(op, Withdraw) else request_to_json(op)


def op_from_json(d: dict[str, Any]) -> OnChainOp:
    if d["type"] == WireType.WITHDRAW:
        return Withdraw.from_json({k: v for k, v in d.items() if k != "type"})
    return request_from_json(d)


def block_body(ops: list[OnChainOp], transfers: list[Transfer]) -> dict[str, Any]:
    """What the store keeps of a block: enough to build it again, byte for byte."""
    return {"ops": [op_to_json(op) for op in ops], "transfers": [t.to_json() for t in transfers]}


def block_inputs(body: dict[str, Any]) -> tuple[list[OnChainOp], list[Transfer]]:
    return [op_from_json(d) for d in body["ops"]], [Transfer.from_json(d) for d in body["transfers"]]
