"""Scheduling for parallel runs: the longest test files start first.

`scripts/test` runs each file on one worker (pytest-xdist `--dist loadfile`), handing files out in
collection order. pytest-randomly shuffles that order, so a file of several minutes could start last and
keep one worker busy long after the others are done. This hook, which runs after the shuffle, moves the
longest files to the front, longest first (measured with `--durations`), and leaves the shuffled order of
everything else, and of the tests inside each file, as it was. Only the order changes: every test still
stands alone.
"""

from __future__ import annotations

import pytest

LONGEST_FIRST = (
    "tests/integration/test_crash_recovery.py",
    "tests/integration/test_user_cli.py",
    "tests/integration/test_rollup_end_to_end.py",
    "tests/integration/test_readme.py",
    "tests/integration/test_validium.py",
    "tests/integration/test_exodus_drill.py",
    "tests/integration/test_validium_daemons.py",
    "tests/integration/test_demo.py",
    "tests/integration/test_explorer.py",
    "tests/integration/test_payouts.py",
    "tests/circuits/test_block_model.py",
    "tests/integration/test_settlement_stages.py",
    # from the slowest-tests list of the CI run of 2026-11-30 (scripts/test prints it)
    "tests/integration/test_upgrade.py",
    "tests/integration/test_review_findings_contracts.py",
    "tests/integration/test_account_ownership.py",
    "tests/integration/test_payout_order.py",
    "tests/integration/test_block_proof.py",
    "tests/integration/test_daemon_lifecycle.py",
    "tests/integration/test_settlement_round.py",
    "tests/integration/test_exodus_activation.py",
    "tests/prover/test_cluster.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}

    def weight(item: pytest.Item) -> int:
        return rank.get(item.nodeid.split("::", 1)[0], len(LONGEST_FIRST))

    items.sort(key=weight)  # stable: the shuffled order stays within each rank
