"""Replaying public data alone (orchestrator/l2/replay.py, docs/exodus.md section 5) rebuilds the state the
model built with signatures: the same root and vaults after every block, for every kind of record; bytes
that no valid block could hold are refused."""

from __future__ import annotations

import pytest

from orchestrator.l2.block import Block, build_block
from orchestrator.l2.params import PROFILES
from orchestrator.l2.replay import Replay, ReplayError, split_public_data
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import Deposit, FullExit, L2Record, OnChainOp, OpRecord, Transfer, Withdraw
from tests.l2.common import ADDR_A, ADDR_B, ADDR_C, ALICE, BOB, CAROL, DOMAIN, ETHER, pkh

PROFILE = PROFILES["test"]  # 2 on-chain and 2 L2 slots


def _blocks(state: L2State) -> list[Block]:
    def block(n: int, ops: list[OnChainOp], transfers: list[Transfer] = []) -> Block:  # noqa: B006
        return build_block(
            state, number=n, timestamp=1_700_000_000 + n, domain=DOMAIN, ops=ops, transfers=transfers
        )

    out = [
        block(
            1, [Deposit(1, 0, 0, ETHER, ADDR_A, pkh(ALICE)), Deposit(2, 0, 0, ETHER // 2, ADDR_B, pkh(BOB))]
        )
    ]
    out.append(
        block(
            2,
            [],
            [Transfer(0, 1, 10**17, 0).sign(ALICE, DOMAIN), Transfer(1, 0, 5 * 10**16, 0).sign(BOB, DOMAIN)],
        )
    )
    out.append(
        block(3, [Withdraw(0, 2, ADDR_C, 10**17, 1).sign(ALICE, DOMAIN), FullExit(1, 1, 1, 0, ADDR_A)])
    )
    out.append(block(4, [FullExit(2, 1, 1, 0, ADDR_B), Deposit(3, 0, 7, 5, ADDR_C, pkh(CAROL))]))
    out.append(
        block(
            5, [Deposit(1, 2, 0, 3, ADDR_A, pkh(ALICE))], [Transfer(0, 1, 12_345_000, 2).sign(ALICE, DOMAIN)]
        )
    )
    return out


def test_replay_rebuilds_every_block_root_and_vault() -> None:
    state = L2State(PROFILE, check_liquidity=False)
    replay = Replay(PROFILE)
    for block in _blocks(state):
        ops, l2 = split_public_data(PROFILE, block.public_data)
        assert ops == block.op_records and l2 == block.l2_records
        replay.block(ops, l2)
        rebuilt = replay.state()
        assert rebuilt.root == block.new_root, f"block {block.number}"
    assert dict(rebuilt.items()) == dict(state.items())
    assert {k: v for k, v in replay.vault.items() if v} == {k: v for k, v in state.vaults().items() if v}
    assert replay.blocks == 5 and replay.records == 10


@pytest.mark.parametrize(
    ("ops", "l2", "fragment"),
    [
        ([OpRecord(2, 1, 0, 0, 1, ADDR_A)], [], "holds 0"),  # withdraw from an empty account
        ([OpRecord(1, 1, 0, 0, 5, ADDR_A, 7), OpRecord(1, 1, 0, 0, 5, ADDR_B, 7)], [], "another owner"),
        ([OpRecord(1, 1, 0, 0, 5, ADDR_A, 7)], [L2Record(4, 0, 1, 1)], "does not exist"),
        ([OpRecord(1, 1, 0, 0, 5, ADDR_A, 7), OpRecord(3, 1, 0, 0, 4, ADDR_A)], [], "left a balance"),
        ([OpRecord(1, 1, 300, 0, 5, ADDR_A, 7)], [], "outside a tree"),
    ],
)
def test_impossible_records_are_refused(ops: list[OpRecord], l2: list[L2Record], fragment: str) -> None:
    with pytest.raises(ReplayError, match=fragment):
        Replay(PROFILE).block(ops, l2)


def test_public_data_of_another_shape_is_refused() -> None:
    with pytest.raises(ReplayError, match="public data of 3 bytes"):
        split_public_data(PROFILE, b"abc")
