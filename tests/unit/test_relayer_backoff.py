"""The relayer's store backs off a failing delivery and gives it up after a bounded number of attempts
(issue 14 point 3: a message whose delivery reverted was retried every round, forever)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.messaging.attest import Message
from orchestrator.relayer.store import GAVE_UP, MAX_ATTEMPTS, RelayerStore
from orchestrator.store.backoff import RETRY_MAX_S, retry_delay


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RelayerStore]:
    s = RelayerStore(tmp_path / "relayer.db")
    yield s
    s.close()


def test_a_failing_message_waits_longer_each_time_then_is_given_up(store: RelayerStore) -> None:
    m = Message(1, 2, 7, "0x" + "11" * 20, "0x" + "22" * 20, b"report")
    store.add_messages([(m, 100)])
    assert [s.message for s in store.due()] == [m]
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = time.time()
        assert store.failed_attempt(m, f"reverted {attempt}") == attempt
        [stored] = [s for s in store.messages() if s.message == m]
        delays.append(round(stored.next_attempt_at - before))
        assert store.due(before) == []  # not due again right away
    assert delays == sorted(delays) and max(delays) <= RETRY_MAX_S + 1
    assert retry_delay(1) < retry_delay(3)
    [stored] = store.given_up()
    assert stored.status == GAVE_UP and stored.attempts == MAX_ATTEMPTS and stored.last_error == "reverted 8"
    assert store.waiting() == [] and store.due(time.time() + 3600) == []
    assert store.retry_given_up() == 1  # `rollup relayer --retry-given-up`
    [again] = store.due()
    assert again.attempts == 0 and again.last_error == "reverted 8"
