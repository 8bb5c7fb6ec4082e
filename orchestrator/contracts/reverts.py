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
