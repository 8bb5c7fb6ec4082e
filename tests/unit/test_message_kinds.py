"""The message kinds the relayer names (orchestrator/settlement/messages.py) are the contracts' own
(contracts/libraries/SyncMessages.sol): one table in each language, checked against each other."""

from __future__ import annotations

import re

from orchestrator.paths import repo_root
from orchestrator.settlement import messages


def test_every_contract_message_kind_has_its_name() -> None:
    source = (repo_root() / "contracts" / "libraries" / "SyncMessages.sol").read_text()
    kinds = {
        name: int(value) for name, value in re.findall(r"uint8 internal constant ([A-Z_]+) = (\d+);", source)
    }
    assert kinds == {
        "REPORT": messages.REPORT,
        "CONFIRMATION": messages.CONFIRMATION,
        "EXODUS_NOTICE": messages.EXODUS_NOTICE,
        "EXODUS": messages.EXODUS,
        "LIQUIDITY": messages.LIQUIDITY,
        "EXIT_PAYOUT": messages.EXIT_PAYOUT,
    }
    assert set(messages.KIND_NAMES) == set(kinds.values())
    assert messages.kind_name(bytes([messages.EXIT_PAYOUT])) == "exit payout"
    assert messages.kind_name(b"") == messages.kind_name(b"\x63") == "message"
