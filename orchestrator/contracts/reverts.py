"""Custom errors of the project's contracts, decoded from revert data into `Name(arg, ...)`."""

from __future__ import annotations

from functools import cache

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak
from web3 import Web3

from orchestrator.contracts.compiler import compile_contracts


@cache
def errors_by_selector() -> dict[bytes, tuple[str, tuple[str, ...]]]:
    """Every custom error of every compiled contract, by its 4-byte selector."""
    found: dict[bytes, tuple[str, tuple[str, ...]]] = {}
    for artifact in compile_contracts().values():
        for item in artifact.abi:
            if item["type"] == "error":
                types = tuple(i["type"] for i in item["inputs"])
                found[keccak(f"{item['name']}({','.join(types)})".encode())[:4]] = (item["name"], types)
    return found


def decode_revert(data: bytes) -> tuple[str, tuple[object, ...]] | None:
    """(error name, arguments) of revert data from our contracts, or None if it is not one of ours.

    Addresses come back checksummed, bytes32 as bytes.
    """
    known = errors_by_selector().get(data[:4])
    if known is None:
        return None
    name, types = known
    try:
        values = decode(list(types), data[4:])
    except DecodingError:
        return None
    args = tuple(
        Web3.to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True)
    )
    return name, args


def describe_revert_data(data: object) -> str | None:
    """`Name(args)` for hex revert data (as web3 exceptions carry it), or None."""
    if not (isinstance(data, str) and data.startswith("0x") and len(data) >= 10):
        return None
    decoded = decode_revert(bytes.fromhex(data[2:]))
    if decoded is None:
        return None
    name, args = decoded
    shown = ", ".join("0x" + a.hex() if isinstance(a, bytes) else str(a) for a in args)
    return f"{name}({shown})"


def node_error_text(exc: BaseException) -> str:
    """A node's or web3's error as one readable line: the message of a JSON-RPC error, not its dict."""
    message: object = None
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        message = response["error"].get("message")
    if message is None and exc.args and isinstance(exc.args[0], dict):
        message = exc.args[0].get("message")
    text = str(message if message is not None else exc) or type(exc).__name__
    return " ".join(text.split())
