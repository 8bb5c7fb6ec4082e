"""The kinds of cross-chain message the rollup contracts send, by their first payload byte
(contracts/libraries/SyncMessages.sol): a secondary's sync report and the primary's confirmation, and
exodus's notice, exodus (R), liquidity report and exit payout (docs/exodus.md)."""

from __future__ import annotations

REPORT, CONFIRMATION, EXODUS_NOTICE, EXODUS, LIQUIDITY, EXIT_PAYOUT = 1, 2, 3, 4, 5, 6
KIND_NAMES = {
    REPORT: "report",
    CONFIRMATION: "confirmation",
    EXODUS_NOTICE: "exodus notice",
    EXODUS: "exodus",
    LIQUIDITY: "liquidity report",
    EXIT_PAYOUT: "exit payout",
}


def kind_name(payload: bytes) -> str:
    """The kind's name ('report', 'exodus', ...), or 'message' for anything else sent through a messenger."""
    return KIND_NAMES.get(payload[0], "message") if payload else "message"
