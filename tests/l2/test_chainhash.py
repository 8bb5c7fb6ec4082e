"""Deployment domain, per-chain op hash h_c and sync hash S_c (protocol.md sections 8 and 9)."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

from orchestrator.l2.chainhash import (
    ZERO_HASH,
    chain_records,
    domain,
    next_sync_hash,
    next_sync_hashes,
    op_hash,
)
from orchestrator.l2.tx import NOOP_OP_RECORD, OpRecord

DEP_1 = OpRecord(1, 1, 0, 0, 10, 0xAA, 0x1234)
WD_2 = OpRecord(2, 2, 0, 0, 3, 0xBB, 0)
EXIT_1 = OpRecord(3, 1, 4, 0, 0, 0xCC, 0)
ROOT = 2**250 + 12345


def test_domain() -> None:
    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    preimage = b"multichain-zk-rollup/v1" + (31337).to_bytes(8, "big") + bytes.fromhex(address[2:])
    assert len(preimage) == 23 + 8 + 20
    expected = int.from_bytes(keccak(preimage), "big") >> 8
    assert domain(31337, address) == expected == domain(31337, address.lower())
    assert expected < 2**248
    assert domain(1, address) != expected and domain(31337, "0x" + "00" * 20) != expected
    with pytest.raises(ValueError):
        domain(-1, address)
    with pytest.raises(ValueError):
        domain(1, "0x1234")


def test_op_hash_folds_one_chains_records() -> None:
    records = [DEP_1, WD_2, EXIT_1, NOOP_OP_RECORD]
    h1 = keccak(keccak(ZERO_HASH + DEP_1.encode()) + EXIT_1.encode())
    assert op_hash(records, 1) == h1
    assert op_hash(records, 2) == keccak(ZERO_HASH + WD_2.encode())
    assert op_hash(records, 3) == ZERO_HASH
    assert op_hash([r.encode() for r in records], 1) == h1  # raw bytes work the same
    assert chain_records(records, 0) == []  # a Noop has chain byte 0 but is never counted
    with pytest.raises(ValueError):
        op_hash([b"\x01" * 10], 1)


def test_sync_hash_chain() -> None:
    records = [DEP_1, WD_2]
    previous = bytes(range(32))
    s1 = next_sync_hash(previous, 5, ROOT, records, 1)
    assert s1 == keccak(previous + (5).to_bytes(8, "big") + ROOT.to_bytes(32, "big") + op_hash(records, 1))
    # A block without operations for chain c keeps S_c.
    assert next_sync_hash(previous, 5, ROOT, records, 3) == previous
    assert next_sync_hash(previous, 5, ROOT, [NOOP_OP_RECORD, NOOP_OP_RECORD], 1) == previous
    # Every input counts: the previous hash, the block number, the root, the records.
    assert next_sync_hash(ZERO_HASH, 5, ROOT, records, 1) != s1
    assert next_sync_hash(previous, 6, ROOT, records, 1) != s1
    assert next_sync_hash(previous, 5, ROOT + 1, records, 1) != s1
    assert next_sync_hash(previous, 5, ROOT, [DEP_1, EXIT_1], 1) != s1
    with pytest.raises(ValueError):
        next_sync_hash(b"short", 5, ROOT, records, 1)


def test_all_chains_at_once() -> None:
    hashes = next_sync_hashes({}, 1, ROOT, [DEP_1, WD_2])
    assert set(hashes) == set(range(1, 9))
    assert hashes[3] == ZERO_HASH and hashes[1] != ZERO_HASH and hashes[2] != ZERO_HASH
    later = next_sync_hashes(hashes, 2, ROOT, [WD_2], (1, 2))
    assert later[1] == hashes[1] and later[2] != hashes[2]
