"""The sequencer's mempool on the reference model: checked against the pending state, a refusal or a
failing store write changes nothing, duplicates are refused, and `select` never lets a withdrawal
overtake an earlier transfer of the same account."""

from __future__ import annotations

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2.block import build_block
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.sequencer.mempool import Mempool
from tests.l2.common import ADDR_A, ADDR_C, ALICE, BOB, CAROL, DOMAIN, funded_state, snapshot


def test_pending_nonces_and_refusals_change_nothing() -> None:
    pool = Mempool(funded_state(), DOMAIN)
    pool.add(Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN))
    pool.add(Transfer(0, 1, 5, 1).sign(ALICE, DOMAIN))  # nonce 1 before any block: the pending state
    before = snapshot(pool.pending_state)
    for bad, code in (
        (Transfer(0, 1, 6, 1).sign(ALICE, DOMAIN), "bad_nonce"),
        (Transfer(0, 1, 5, 2).sign(BOB, DOMAIN), "not_owner"),
        (Transfer(0, 1, 10**30, 2).sign(ALICE, DOMAIN), "insufficient_balance"),
    ):
        with pytest.raises(TxRejected) as err:
            pool.add(bad)
        assert err.value.code == code
    with pytest.raises(TxRejected) as err:
        pool.add(Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN))
    assert err.value.code == "duplicate"
    assert snapshot(pool.pending_state) == before and len(pool.txs) == 2


def test_failing_store_write_changes_nothing() -> None:
    pool = Mempool(funded_state(), DOMAIN)
    before = snapshot(pool.pending_state)

    def broken_store(_: str) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        pool.add(Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN), broken_store)
    assert snapshot(pool.pending_state) == before and pool.txs == []
    recorded: list[str] = []
    tx_hash = pool.add(Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN), recorded.append)  # the same one, now
    assert recorded == [tx_hash]


def test_select_keeps_each_accounts_order() -> None:
    pool = Mempool(funded_state(), DOMAIN)
    transfer_tx = Transfer(0, 1, 5, 0).sign(ALICE, DOMAIN)
    carol_tx = Withdraw(2, 1, ADDR_C, 5, 0).sign(CAROL, DOMAIN)  # touches neither alice nor bob
    transfer = pool.add(transfer_tx)
    withdraw = pool.add(Withdraw(0, 1, ADDR_A, 5, 1).sign(ALICE, DOMAIN))  # must not run before it
    carol = pool.add(carol_tx)
    withdraws, transfers = pool.select(op_slots=2, tx_slots=2)
    assert [p.hash for p in transfers] == [transfer]
    assert [p.hash for p in withdraws] == [carol]  # alice's waits for a later block
    build_block(pool.state, number=1, timestamp=1, domain=DOMAIN, ops=[carol_tx], transfers=[transfer_tx])
    assert pool.rebase([transfer, carol]) == []  # alice's withdrawal still applies, after her transfer
    assert [p.hash for p in pool.txs] == [withdraw]
