"""The two kinds of cross-chain message the rollup contracts send, by their first payload byte
(contracts/libraries/SyncMessages.sol): a secondary's sync report and the primary's confirmation."""

from __future__ import annotations

REPORT, CONFIRMATION = 1, 2
KIND_NAMES = {REPORT: "report", CONFIRMATION: "confirmation"}


def kind_name(payload: bytes) -> str:
    """'report', 'confirmation', or 'message' for anything else sent through a messenger."""
    return KIND_NAMES.get(payload[0], "message") if payload else "message"
