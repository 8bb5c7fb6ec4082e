"""L1-side hashes: the deployment domain (section 8), priority request hashes (section 6), the data
committee's availability digest (section 7), per-chain op hash h_c and sync hash S_c (section 9).

keccak256 is Ethereum's (eth_hash, from the web3 dependencies). These hashes never enter the circuit;
the primary recomputes every chain's S_c from proven public data, each secondary its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from eth_hash.auto import keccak

from orchestrator.errors import TxRejected
from orchestrator.l2.account import address_to_int
from orchestrator.l2.params import DEPOSIT, FULL_EXIT, MAX_CHAIN_ID, MIN_CHAIN_ID, NOOP, OP_RECORD_BYTES
from orchestrator.l2.tx import OpRecord

DOMAIN_TAG = b"multichain-zk-rollup/v1"
AVAILABILITY_TAG = b"multichain-zk-rollup/dac/v1"
EIP191_PREFIX = b"\x19Ethereum Signed Message:\n32"
ZERO_HASH = bytes(32)
"""h_c of a block without operations for c, and S_c(0)."""


def domain(primary_evm_chain_id: int, primary_rollup_address: str | bytes | int) -> int:
    """keccak256("multichain-zk-rollup/v1" || uint64(chain id) || address) >> 8: below 2^248 < r."""
    if type(primary_evm_chain_id) is not int or not 0 <= primary_evm_chain_id < 1 << 64:
        raise ValueError(f"an EVM chain id is a uint64, got {primary_evm_chain_id!r}")
    try:
        address = address_to_int(primary_rollup_address).to_bytes(20, "big")
    except TxRejected as exc:
        raise ValueError(str(exc)) from None
    digest = keccak(DOMAIN_TAG + primary_evm_chain_id.to_bytes(8, "big") + address)
    return int.from_bytes(digest, "big") >> 8


def availability_digest(domain_value: int, block_number: int, data_hash: bytes) -> bytes:
    """What a data committee member signs in Validium mode (EIP-191, over these 32 bytes): that it holds
    the L2 section whose sha256 is `data_hash`, for block `block_number` of the deployment `domain`."""
    if len(data_hash) != 32:
        raise ValueError("a data hash is 32 bytes")
    return keccak(
        AVAILABILITY_TAG + domain_value.to_bytes(32, "big") + block_number.to_bytes(8, "big") + data_hash
    )


def signed_digest(digest: bytes) -> bytes:
    """The hash an EIP-191 (personal_sign) signature over the 32-byte `digest` signs."""
    return keccak(EIP191_PREFIX + digest)


def deposit_request_hash(chain: int, token: int, amount: int, owner: str | int, pkh: int | bytes) -> bytes:
    """What a deposit request fixes (all but the account index the sequencer picks): the account's L1
    owner is the address the request names, never the sender who paid."""
    pkh_bytes = pkh if isinstance(pkh, bytes) else pkh.to_bytes(20, "big")
    head = bytes([DEPOSIT, chain]) + token.to_bytes(2, "big") + amount.to_bytes(16, "big")
    return keccak(head + address_to_int(owner).to_bytes(20, "big") + pkh_bytes)


def full_exit_request_hash(chain: int, account_index: int, token: int, requester: str | int) -> bytes:
    """What a full-exit request fixes (all but the amount the circuit decides)."""
    head = bytes([FULL_EXIT, chain]) + account_index.to_bytes(4, "big") + token.to_bytes(2, "big")
    return keccak(head + address_to_int(requester).to_bytes(20, "big"))


def _encoded(record: OpRecord | bytes) -> bytes:
    data = record.encode() if isinstance(record, OpRecord) else bytes(record)
    if len(data) != OP_RECORD_BYTES:
        raise ValueError(f"an on-chain record is {OP_RECORD_BYTES} bytes, got {len(data)}")
    return data


def chain_records(records: Iterable[OpRecord | bytes], chain: int) -> list[bytes]:
    """The encoded records of `chain` that are not Noop, in order."""
    out = []
    for record in records:
        data = _encoded(record)
        if data[0] != NOOP and data[1] == chain:
            out.append(data)
    return out


def op_hash(records: Iterable[OpRecord | bytes], chain: int) -> bytes:
    """h_c: fold h <- keccak256(h || record) over chain c's records from 32 zero bytes."""
    h = ZERO_HASH
    for data in chain_records(records, chain):
        h = keccak(h + data)
    return h


def next_sync_hash(
    previous: bytes, block_number: int, new_root: int, records: Iterable[OpRecord | bytes], chain: int
) -> bytes:
    """S_c(B) from S_c(B-1): chained with the block when it has operations for c, else unchanged."""
    if len(previous) != 32:
        raise ValueError("a sync hash is 32 bytes")
    ops = chain_records(records, chain)
    if not ops:
        return previous
    h = ZERO_HASH
    for data in ops:
        h = keccak(h + data)
    return keccak(previous + block_number.to_bytes(8, "big") + new_root.to_bytes(32, "big") + h)


def next_sync_hashes(
    previous: Mapping[int, bytes],
    block_number: int,
    new_root: int,
    records: Iterable[OpRecord | bytes],
    chains: Iterable[int] = range(MIN_CHAIN_ID, MAX_CHAIN_ID + 1),
) -> dict[int, bytes]:
    """`next_sync_hash` for every chain in `chains` (a missing previous value is S_c(0) = 0)."""
    encoded = [_encoded(r) for r in records]
    return {c: next_sync_hash(previous.get(c, ZERO_HASH), block_number, new_root, encoded, c) for c in chains}
