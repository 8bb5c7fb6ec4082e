"""Priority requests as the chains announce them (`PriorityRequestQueued`), turned into L2 operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.chain.clients import RollupClient
from orchestrator.l2.account import address_to_int
from orchestrator.l2.params import DEPOSIT, FULL_EXIT
from orchestrator.l2.tx import Deposit, FullExit, PriorityOp
from orchestrator.settlement.ledger import LedgerError


def request_from_event(rollup_chain_id: int, args: Mapping[str, Any]) -> PriorityOp:
    """The L2 operation for one `PriorityRequestQueued` event of chain `rollup_chain_id`."""
    serial, op_type = int(args["serialId"]), int(args["opType"])
    address = address_to_int(str(args["account"]))
    if op_type == DEPOSIT:
        pkh = int.from_bytes(bytes(args["pkh"]), "big")
        return Deposit(rollup_chain_id, serial, int(args["tokenId"]), int(args["amount"]), address, pkh)
    if op_type == FULL_EXIT:
        return FullExit(rollup_chain_id, serial, int(args["accountIndex"]), int(args["tokenId"]), address)
    raise LedgerError(f"chain {rollup_chain_id}: priority request {serial} has unknown type {op_type}")


def queued_requests(
    rollup: RollupClient, rollup_chain_id: int, from_block: int, to_block: int
) -> list[PriorityOp]:
    """Every request chain `rollup_chain_id` queued in L1 blocks from_block..to_block, by serial id."""
    logs = rollup.events.PriorityRequestQueued().get_logs(from_block=from_block, to_block=to_block)
    ops = [request_from_event(rollup_chain_id, log["args"]) for log in logs]
    return sorted(ops, key=lambda op: op.serial)
