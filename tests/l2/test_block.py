"""Block building: records, padding, commitment, atomicity, and the circuit input checked by an
independent re-implementation of the circuit's rules that reads only the input JSON."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import Any

import pytest

from orchestrator.crypto.eddsa import PublicKey, Signature, verify_poseidon
from orchestrator.crypto.poseidon import poseidon
from orchestrator.errors import TxRejected
from orchestrator.l2.block import (
    BlockError,
    SlotRejected,
    build_block,
    l2_section_commitment,
    split_public_data,
)
from orchestrator.l2.params import PROFILES, Profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tree import QuadTree
from orchestrator.l2.tx import (
    NOOP_L2_RECORD,
    NOOP_OP_RECORD,
    Deposit,
    FullExit,
    OnChainOp,
    Transfer,
    Withdraw,
)
from tests.helpers import REPO
from tests.l2.common import (
    ADDR_A,
    ADDR_B,
    ADDR_C,
    ALICE,
    BOB,
    CAROL,
    DOMAIN,
    ETHER,
    funded_state,
    pkh,
    snapshot,
)


def readme_signals() -> list[str]:
    """The input signal names of circuits/README.md's interface table, in its order."""
    text = (REPO / "circuits" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Block circuit interface", 1)[1]
    names: list[str] = []
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and "`" in cells[1]:
            names += re.findall(r"`([a-z_0-9]+)`", cells[1])
    return names


WIDE = Profile("wide", depth=8, n_op=4, n_tx=3)


def simulate_circuit(inp: dict[str, Any], profile: Profile) -> tuple[int, int]:
    """(public_input, new_root) as the block circuit would compute them, or AssertionError where the
    circuit would be unsatisfiable. Uses only the JSON and the rules of docs/protocol.md."""
    v: dict[str, Any] = json.loads(json.dumps(inp), parse_int=int)

    def num(x: str) -> int:
        assert isinstance(x, str) and x.isdigit()
        return int(x)

    def leaf_of(fields: list[str]) -> list[int]:
        assert len(fields) == 5
        return [num(f) for f in fields]

    def root_of(index: int, leaf: list[int], path: list[list[str]]) -> int:
        assert len(path) == profile.levels and all(len(level) == 3 for level in path)
        return QuadTree.root_from_proof(index, poseidon(leaf), [[num(s) for s in lvl] for lvl in path])

    def signed(sig: list[str], owner_pkh: int, message: int) -> None:
        ax, ay, r8x, r8y, s = (num(x) for x in sig)
        assert poseidon([ax, ay]) % 2**160 == owner_pkh
        assert verify_poseidon(PublicKey(ax, ay), message, Signature(r8x, r8y, s))

    domain, number, timestamp = num(v["domain"]), num(v["block_number"]), num(v["timestamp"])
    root = old_root = num(v["old_root"])
    public_data = b""
    for i in range(profile.n_op):
        t, chain, account, token, amount, address, op_pkh = (
            num(v[k][i])
            for k in ("op_type", "op_chain", "op_account", "op_token", "op_amount", "op_address", "op_pkh")
        )
        leaf = leaf_of(v["op_leaf"][i])
        assert root_of(account, leaf, v["op_path"][i]) == root
        new = list(leaf)
        if t == 0:
            assert (chain, account, token, amount, address, op_pkh) == (0,) * 6
        elif t == 1:
            if leaf != [0] * 5:
                assert leaf[:3] == [op_pkh, address, token]
            new = [op_pkh, address, token, leaf[3] + amount, leaf[4]]
            assert new[3] < 2**128
        elif t == 2:
            assert op_pkh == 0 and token == leaf[2] and leaf[3] >= amount
            signed(
                v["op_sig"][i],
                leaf[0],
                poseidon([domain, 2, account, address, amount, leaf[4] + (chain << 32)]),
            )
            new = [leaf[0], leaf[1], leaf[2], leaf[3] - amount, leaf[4] + 1]
        else:
            assert t == 3 and op_pkh == 0
            owner = leaf[0] != 0 and leaf[2] == token and leaf[1] == address
            assert amount == (leaf[3] if owner else 0)
            new[3] = 0 if owner else leaf[3]
        if t != 2:
            assert v["op_sig"][i] == ["0"] * 5
        root = root_of(account, new, v["op_path"][i])
        public_data += bytes([t, chain]) + account.to_bytes(4, "big") + token.to_bytes(2, "big")
        public_data += amount.to_bytes(16, "big") + address.to_bytes(20, "big") + op_pkh.to_bytes(20, "big")
    for i in range(profile.n_tx):
        t, from_, to, packed = (num(v[k][i]) for k in ("tx_type", "tx_from", "tx_to", "tx_amount_packed"))
        sender, receiver = leaf_of(v["tx_from_leaf"][i]), leaf_of(v["tx_to_leaf"][i])
        assert root_of(from_, sender, v["tx_from_path"][i]) == root
        if t == 0:
            assert (from_, to, packed) == (0, 0, 0) and v["tx_sig"][i] == ["0"] * 5
        else:
            assert t == 4
            amount = (packed >> 5) * 10 ** (packed & 31)
            signed(v["tx_sig"][i], sender[0], poseidon([domain, 4, from_, to, amount, sender[4]]))
            assert sender[3] >= amount
            root = root_of(from_, [*sender[:3], sender[3] - amount, sender[4] + 1], v["tx_from_path"][i])
            assert root_of(to, receiver, v["tx_to_path"][i]) == root
            assert receiver[0] != 0 and receiver[2] == sender[2] and receiver[3] + amount < 2**128
            root = root_of(to, [*receiver[:3], receiver[3] + amount, receiver[4]], v["tx_to_path"][i])
        public_data += (
            bytes([t]) + from_.to_bytes(4, "big") + to.to_bytes(4, "big") + packed.to_bytes(5, "big")
        )
    header = b"".join(
        (
            domain.to_bytes(32, "big"),
            number.to_bytes(8, "big"),
            timestamp.to_bytes(8, "big"),
            old_root.to_bytes(32, "big"),
            root.to_bytes(32, "big"),
        )
    )
    return int.from_bytes(hashlib.sha256(header + public_data).digest(), "big") % 2**253, root


def full_block_state() -> L2State:
    """The funded state of conftest, in the wide profile (4 on-chain slots, 3 L2 slots)."""
    state = L2State(WIDE)
    state.apply_deposit(Deposit(1, 0, 0, ETHER, ADDR_A, pkh(ALICE)))
    state.apply_deposit(Deposit(2, 0, 0, ETHER // 2, ADDR_B, pkh(BOB)))
    state.apply_deposit(Deposit(1, 1, 1, 1000, ADDR_C, pkh(CAROL)))
    return state


def test_full_block_matches_the_independent_circuit() -> None:
    state = full_block_state()
    ops: list[OnChainOp] = [
        Deposit(2, 5, 0, ETHER, ADDR_C, pkh(CAROL)),  # new account 3
        Withdraw(1, 2, ADDR_B, ETHER // 4, 0).sign(BOB, DOMAIN),
        FullExit(1, 6, 0, 0, ADDR_A),
    ]
    transfers = [
        Transfer(3, 1, ETHER // 2, 0).sign(CAROL, DOMAIN),
        Transfer(1, 3, ETHER // 8, 1).sign(BOB, DOMAIN),
    ]
    old_root = state.root
    block = build_block(state, number=7, timestamp=1_700_000_000, domain=DOMAIN, ops=ops, transfers=transfers)
    assert block.old_root == old_root and block.new_root == state.root != old_root
    inp = block.circuit_input()
    assert list(inp) == readme_signals()
    assert json.loads(json.dumps(inp)) == inp
    public_input, new_root = simulate_circuit(inp, WIDE)
    assert new_root == block.new_root
    assert public_input == block.public_input
    assert [r.type for r in block.op_records] == [1, 2, 3, 0]
    assert [r.type for r in block.l2_records] == [4, 4, 0]
    assert block.op_records[2].amount == ETHER and block.op_records[3] == NOOP_OP_RECORD
    assert block.chain_records(2) == block.op_records[:2]
    assert block.chain_records(1) == [block.op_records[2]]


def test_commitment_recomputed_with_hashlib() -> None:
    state = funded_state()
    block = build_block(
        state, number=3, timestamp=99, domain=DOMAIN, transfers=[Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN)]
    )
    header = (
        DOMAIN.to_bytes(32, "big")
        + (3).to_bytes(8, "big")
        + (99).to_bytes(8, "big")
        + block.old_root.to_bytes(32, "big")
        + block.new_root.to_bytes(32, "big")
    )
    assert block.header == header and len(header) == 112
    public_data = bytes(64) * 2 + Transfer(0, 1, 5, 0).record().encode() + bytes(14)
    assert block.public_data == public_data
    # rollup mode: the L2-section commitment is the L2 section itself, so the primary gets the public data
    assert block.onchain_section + block.l2_section == public_data
    assert l2_section_commitment(block.l2_section) == block.l2_section
    assert block.committed_data == public_data
    digest = hashlib.sha256(header + public_data).digest()
    assert block.commitment == digest
    assert block.public_input == int.from_bytes(digest, "big") & (2**253 - 1)
    assert split_public_data(block.public_data, PROFILES["test"]) == (block.op_records, block.l2_records)


def test_noop_slots_use_leaf_zero() -> None:
    state = funded_state()
    block = build_block(state, number=1, timestamp=0, domain=DOMAIN)
    assert block.old_root == block.new_root
    assert block.public_data == bytes(2 * 64 + 2 * 14)
    inp = block.circuit_input()
    leaf0 = [str(x) for x in state.account(0).fields()]
    assert inp["op_leaf"] == [leaf0, leaf0] and inp["tx_from_leaf"] == inp["tx_to_leaf"] == [leaf0, leaf0]
    assert inp["op_sig"] == inp["tx_sig"] == [["0"] * 5] * 2
    assert QuadTree.verify(
        state.root, 0, state.account(0).leaf_hash, [[int(s) for s in lvl] for lvl in inp["op_path"][0]]
    )
    assert simulate_circuit(inp, PROFILES["test"]) == (block.public_input, block.new_root)
    assert all(r == NOOP_L2_RECORD for r in block.l2_records)


def test_capacity_and_header_errors_change_nothing() -> None:
    state = funded_state()
    before = snapshot(state)
    deposits = [Deposit(1, i, 0, 1, ADDR_A, pkh(ALICE)) for i in range(3)]
    transfers = [Transfer(0, 1, 1, i).sign(ALICE, DOMAIN) for i in range(3)]
    for kwargs in (
        {"ops": deposits},
        {"transfers": transfers},
        {"number": 0},
        {"number": 2**64},
        {"timestamp": -1},
        {"domain": 2**248},
    ):
        args: dict[str, Any] = {"number": 1, "timestamp": 1, "domain": DOMAIN, **kwargs}
        with pytest.raises(BlockError):
            build_block(state, **args)
        assert snapshot(state) == before


def test_rejected_slot_changes_nothing() -> None:
    state = funded_state()
    before = snapshot(state)
    good = Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN)
    replay = good  # the second use has a stale nonce
    with pytest.raises(SlotRejected) as err:
        build_block(state, number=1, timestamp=1, domain=DOMAIN, transfers=[good, replay])
    assert (err.value.kind, err.value.slot, err.value.code) == ("tx", 1, "bad_nonce")
    assert isinstance(err.value, TxRejected)
    assert snapshot(state) == before
    bad_op = Withdraw(0, 3, ADDR_A, 5, 0).sign(ALICE, DOMAIN)  # chain 3 vault is empty
    ops: list[OnChainOp] = [Deposit(1, 9, 0, 1, ADDR_A, pkh(ALICE)), bad_op]
    with pytest.raises(SlotRejected) as err:
        build_block(state, number=1, timestamp=1, domain=DOMAIN, ops=ops)
    assert (err.value.kind, err.value.slot, err.value.code) == ("op", 1, "insufficient_liquidity")
    assert snapshot(state) == before


def test_dry_run_leaves_the_state() -> None:
    state = funded_state()
    before = snapshot(state)
    args: dict[str, Any] = {
        "number": 1,
        "timestamp": 5,
        "domain": DOMAIN,
        "ops": [Deposit(1, 9, 0, 1, ADDR_B, pkh(ALICE))],
        "transfers": [Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN)],
    }
    dry = build_block(state, commit=False, **args)
    assert snapshot(state) == before
    real = build_block(state, **args)
    assert dry.commitment == real.commitment and dry.circuit_input() == real.circuit_input()
    assert state.root == real.new_root


def test_signatures_verified_skips_only_the_signature_check() -> None:
    """The sequencer verified every signature at intake and says so: a block built that way equals one
    built with the checks, a bad signature is then the caller's responsibility, and ownership, nonces and
    balances are still checked."""
    withdraw = Withdraw(0, 1, ADDR_A, 5, 0).sign(ALICE, DOMAIN)  # on-chain slots run first
    transfer = Transfer(0, 1, 5, 1).sign(ALICE, DOMAIN)
    args: dict[str, Any] = {"number": 1, "timestamp": 5, "domain": DOMAIN, "ops": [withdraw]}
    checked = build_block(funded_state(), transfers=[transfer], **args)
    trusted = build_block(funded_state(), transfers=[transfer], signatures_verified=True, **args)
    assert checked.commitment == trusted.commitment and checked.new_root == trusted.new_root
    tampered = replace(transfer, amount=6)  # its signature no longer verifies
    with pytest.raises(SlotRejected, match="signature"):
        build_block(funded_state(), transfers=[tampered], **args)
    stolen = Transfer(0, 1, 5, 1).sign(BOB, DOMAIN)  # Bob's valid signature on Alice's account
    with pytest.raises(SlotRejected) as err:
        build_block(funded_state(), transfers=[stolen], signatures_verified=True, **args)
    assert err.value.code == "not_owner"
    with pytest.raises(SlotRejected) as err:
        build_block(funded_state(), transfers=[transfer, transfer], signatures_verified=True, **args)
    assert err.value.code == "bad_nonce"
