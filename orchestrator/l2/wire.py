"""Every operation as JSON, in one place: how wallets send signed transactions, how the sequencer stores
blocks and priority requests.

A signed transaction is `{"type": "transfer" | "withdraw", ...}`: the sender's fields ("from", "amount",
"nonce", "public_key", "signature"; the last two absent when unsigned) and its kind's own ("to"; "chain",
"address"). Its hash is keccak256 of that canonical JSON (sorted keys, no spaces), so the same signed
transaction always has the same hash. Parsing what a wallet sent raises `TxRejected` with a code, never
anything else; stored requests and blocks are the sequencer's own writing and are read as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_utils.crypto import keccak

from orchestrator.crypto.eddsa import PublicKey, Signature
from orchestrator.errors import CryptoError, TxRejected
from orchestrator.l2.account import address_to_int
from orchestrator.l2.ops import DEPOSIT, FULL_EXIT, TRANSFER, WITHDRAW, kind_of
from orchestrator.l2.tx import Deposit, FullExit, OnChainOp, PriorityOp, Transfer, Withdraw

L2Tx = Transfer | Withdraw
"""A transaction signed on L2 (ops.py's `signed` kinds)."""


class WireType(StrEnum):
    """The `"type"` of an operation in JSON (its record type byte is ops.py's code)."""

    TRANSFER = "transfer"
    WITHDRAW = "withdraw"
    DEPOSIT = "deposit"
    FULL_EXIT = "full_exit"


# -- signed on L2 ---------------------------------------------------------------------------------------


def _signed_json(tx: L2Tx, own: dict[str, Any]) -> dict[str, Any]:
    """The fields every signed kind has around the kind's `own` (in the order wallets always sent)."""
    fields: dict[str, Any] = {"from": tx.from_index, **own, "amount": str(tx.amount), "nonce": tx.nonce}
    if tx.public_key is not None and tx.signature is not None:
        fields["public_key"] = "0x" + tx.public_key.pack().hex()
        fields["signature"] = "0x" + tx.signature.pack().hex()
    return fields


def transfer_to_json(tx: Transfer) -> dict[str, Any]:
    return _signed_json(tx, {"to": tx.to_index})


def withdraw_to_json(tx: Withdraw) -> dict[str, Any]:
    return _signed_json(tx, {"chain": tx.chain, "address": "0x" + tx.address.to_bytes(20, "big").hex()})


@dataclass(frozen=True)
class _Sender:
    """The parsed sender's fields, in the constructors' keyword names."""

    from_index: int
    amount: int
    nonce: int
    public_key: PublicKey | None
    signature: Signature | None


def _parse_signed(data: Any, own_keys: tuple[str, ...]) -> tuple[dict[str, Any], _Sender]:
    d = _object(data, ("from", "amount", "nonce", *own_keys))
    public_key, signature = _signature_from_json(d)
    return d, _Sender(_int(d["from"]), _int(d["amount"]), _int(d["nonce"]), public_key, signature)


def transfer_from_json(data: Any) -> Transfer:
    """Parse `transfer_to_json`'s form (without "type"); `TxRejected("malformed")` when it is not one."""
    d, s = _parse_signed(data, ("to",))
    return Transfer(s.from_index, _int(d["to"]), s.amount, s.nonce, s.public_key, s.signature)


def withdraw_from_json(data: Any) -> Withdraw:
    """Parse `withdraw_to_json`'s form (without "type")."""
    d, s = _parse_signed(data, ("chain", "address"))
    if not isinstance(d["address"], str):
        raise TxRejected("bad_address", "address must be a 0x-prefixed hex string")
    address = address_to_int(d["address"])
    return Withdraw(s.from_index, _int(d["chain"]), address, s.amount, s.nonce, s.public_key, s.signature)


# -- from a chain's priority queue ----------------------------------------------------------------------


def deposit_to_json(op: Deposit) -> dict[str, Any]:
    return {
        "chain": op.chain,
        "serial": op.serial,
        "token": op.token,
        "amount": str(op.amount),
        "address": hex(op.address),
        "pkh": hex(op.pkh),
    }


def deposit_from_json(d: dict[str, Any]) -> Deposit:
    return Deposit(
        int(d["chain"]),
        int(d["serial"]),
        int(d["token"]),
        int(d["amount"]),
        int(d["address"], 16),
        int(d["pkh"], 16),
    )


def full_exit_to_json(op: FullExit) -> dict[str, Any]:
    return {
        "chain": op.chain,
        "serial": op.serial,
        "account": op.account_index,
        "token": op.token,
        "address": hex(op.address),
    }


def full_exit_from_json(d: dict[str, Any]) -> FullExit:
    return FullExit(
        int(d["chain"]), int(d["serial"]), int(d["account"]), int(d["token"]), int(d["address"], 16)
    )


# -- one codec per kind ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Codec:
    wire: WireType
    to_json: Callable[[Any], dict[str, Any]]
    from_json: Callable[[Any], Any]


_CODECS: dict[int, _Codec] = {
    TRANSFER: _Codec(WireType.TRANSFER, transfer_to_json, transfer_from_json),
    WITHDRAW: _Codec(WireType.WITHDRAW, withdraw_to_json, withdraw_from_json),
    DEPOSIT: _Codec(WireType.DEPOSIT, deposit_to_json, deposit_from_json),
    FULL_EXIT: _Codec(WireType.FULL_EXIT, full_exit_to_json, full_exit_from_json),
}
"""One entry per kind of ops.py but Noop, by type code."""
_BY_WIRE = {codec.wire: code for code, codec in _CODECS.items()}


def op_to_json(op: L2Tx | OnChainOp) -> dict[str, Any]:
    """Any operation, tagged with its "type"."""
    codec = _CODECS[kind_of(op).code]
    return {"type": codec.wire, **codec.to_json(op)}


def _untagged(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "type"}


def op_from_json(d: dict[str, Any]) -> OnChainOp:
    """A stored on-chain operation (a block's "ops")."""
    op = _CODECS[_BY_WIRE[d["type"]]].from_json(_untagged(d))
    assert isinstance(op, Deposit | Withdraw | FullExit)  # the sequencer wrote it
    return op


def l2_tx_from_json(data: Any) -> L2Tx:
    """Parse a wallet's transaction; `TxRejected("malformed")` when it is not one."""
    if not isinstance(data, dict):
        raise TxRejected("malformed", 'a transaction is a JSON object with a "type"')
    wire = data.get("type")
    if wire == WireType.TRANSFER:
        return transfer_from_json(_untagged(data))
    if wire == WireType.WITHDRAW:
        return withdraw_from_json(_untagged(data))
    raise TxRejected("malformed", f'unknown transaction type {wire!r}: expected "transfer" or "withdraw"')


def l2_tx_to_json(tx: L2Tx) -> dict[str, Any]:
    return op_to_json(tx)


def l2_tx_hash(tx: L2Tx) -> str:
    canonical = json.dumps(l2_tx_to_json(tx), sort_keys=True, separators=(",", ":"))
    return "0x" + keccak(canonical.encode()).hex()


def request_to_json(op: PriorityOp) -> dict[str, Any]:
    return op_to_json(op)


def request_from_json(d: dict[str, Any]) -> PriorityOp:
    """A stored priority request."""
    op = _CODECS[_BY_WIRE[d["type"]]].from_json(_untagged(d))
    assert isinstance(op, Deposit | FullExit)  # the sequencer wrote it
    return op


def address_of(stored: dict[str, Any]) -> int:
    """The L1 address of a stored withdrawal, deposit or full exit. Withdrawals store 40 hex digits,
    requests `hex()`, which drops leading zeros (an address 0x0a... has 39 digits there): read both."""
    return int(str(stored["address"]), 16)


def block_body(ops: list[OnChainOp], transfers: list[Transfer]) -> dict[str, Any]:
    """What the store keeps of a block: enough to build it again, byte for byte."""
    return {"ops": [op_to_json(op) for op in ops], "transfers": [transfer_to_json(t) for t in transfers]}


def block_inputs(body: dict[str, Any]) -> tuple[list[OnChainOp], list[Transfer]]:
    return [op_from_json(d) for d in body["ops"]], [transfer_from_json(d) for d in body["transfers"]]


# -- JSON helpers ---------------------------------------------------------------------------------------


def _object(data: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TxRejected("malformed", "a transaction is a JSON object")
    missing = [k for k in keys if k not in data]
    if missing:
        raise TxRejected("malformed", f"transaction lacks {', '.join(missing)}")
    return data


def _int(value: Any) -> int:
    """An int from a JSON int or a decimal / 0x-hex string."""
    if type(value) is int:
        return value
    # at most 100 characters: no field holds 256 bits or more, and a longer hex string could make an int too
    # long for `_uint` to print in its refusal (a ValueError, which the RPC answered as an internal error)
    if isinstance(value, str) and value.strip() and len(value) <= 100:
        try:
            return int(value, 16) if value[:2].lower() == "0x" else int(value, 10)
        except ValueError:
            pass
    raise TxRejected("malformed", f"expected an integer or a decimal string, got {value!r}")


def _signature_from_json(d: dict[str, Any]) -> tuple[PublicKey | None, Signature | None]:
    pk, sig = d.get("public_key"), d.get("signature")
    if pk is None and sig is None:
        return None, None
    try:
        if not isinstance(pk, str) or not isinstance(sig, str):
            raise ValueError("public_key and signature are 0x-hex strings")
        public_key = PublicKey.unpack(bytes.fromhex(pk.removeprefix("0x")))
        return public_key, Signature.unpack(bytes.fromhex(sig.removeprefix("0x")))
    except (ValueError, CryptoError) as exc:
        raise TxRejected("bad_signature", f"unreadable public key or signature: {exc}") from None
