"""The table of operation kinds (orchestrator/l2/ops.py) and its agreement with the codecs, the
Solidity enum and the protocol's type codes."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from orchestrator.errors import TxRejected
from orchestrator.l2 import params
from orchestrator.l2.ops import (
    BY_CODE,
    KINDS,
    L2_CODES,
    ONCHAIN_CODES,
    PAYOUT_CODES,
    PRIORITY_CODES,
    Slot,
    kind,
    kind_of,
    pays_out,
)
from orchestrator.l2.tx import (
    Deposit,
    FullExit,
    L2Record,
    OpRecord,
    PriorityOp,
    Transfer,
    Withdraw,
    is_priority_op,
)
from orchestrator.paths import repo_root


def test_the_table_is_protocol_md_section_6() -> None:
    assert [(k.code, k.name) for k in KINDS] == [
        (0, "Noop"), (1, "Deposit"), (2, "Withdraw"), (3, "FullExit"), (4, "Transfer")
    ]  # fmt: skip
    assert sorted(ONCHAIN_CODES) == [0, 1, 2, 3] and sorted(L2_CODES) == [0, 4]
    assert sorted(PRIORITY_CODES) == [1, 3] and sorted(PAYOUT_CODES) == [2, 3]
    assert {k.code for k in KINDS if k.signed} == {2, 4}
    assert (Slot.ONCHAIN.record_bytes, Slot.L2.record_bytes) == (64, 14)
    codes = (params.NOOP, params.DEPOSIT, params.WITHDRAW, params.FULL_EXIT, params.TRANSFER)
    assert codes == (0, 1, 2, 3, 4)
    assert (params.OP_RECORD_BYTES, params.L2_RECORD_BYTES) == (64, 14)


def test_each_class_names_its_kind() -> None:
    for cls, code in ((Deposit, 1), (Withdraw, 2), (FullExit, 3), (Transfer, 4)):
        assert cls.KIND is BY_CODE[code]
    deposit = Deposit(1, 0, 0, 5, 1, 1)
    assert kind_of(deposit).priority and not pays_out(deposit.record(0).type)
    for junk in (OpRecord(), 3, "deposit", None):
        with pytest.raises(TxRejected, match="not an operation") as err:
            kind_of(junk)
        assert err.value.code == "malformed"


def test_priority_requests_are_the_tables_priority_kinds() -> None:
    assert {cls.KIND.code for cls in get_args(PriorityOp)} == PRIORITY_CODES
    assert is_priority_op(Deposit(1, 0, 0, 5, 1, 1)) and is_priority_op(FullExit(2, 0, 0, 0, 1))
    assert not is_priority_op(Withdraw(0, 1, 1, 5, 0)) and not is_priority_op(Transfer(0, 1, 5, 0))
    assert not is_priority_op(OpRecord(1)) and not is_priority_op(None)


def test_unknown_codes_are_malformed() -> None:
    for code in (5, 255, -1, True):
        with pytest.raises(TxRejected) as err:
            kind(code)
        assert err.value.code == "malformed"


def test_the_record_codecs_take_exactly_their_slots_kinds() -> None:
    for code in range(256):
        for record, codes in ((lambda c: OpRecord(c), ONCHAIN_CODES), (lambda c: L2Record(c), L2_CODES)):
            if code in codes:
                record(code)
            else:
                with pytest.raises(TxRejected):
                    record(code)


def test_the_solidity_enum_lists_the_table_in_code_order() -> None:
    source = (repo_root() / "contracts" / "libraries" / "Operations.sol").read_text()
    match = re.search(r"enum OpType \{([^}]*)\}", source)
    assert match, "Operations.sol declares enum OpType"
    assert [m.strip() for m in match.group(1).split(",")] == [k.name for k in KINDS]
