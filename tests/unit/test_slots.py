"""How a block shares its on-chain slots (orchestrator/sequencer/slots.py, issue 14 point 5)."""

from __future__ import annotations

from orchestrator.sequencer.slots import in_turn, request_slots
from orchestrator.store.sequencer import StoredRequest


def _requests(chain: int, count: int) -> list[StoredRequest]:
    return [StoredRequest(chain, s, "deposit", {}, 0, "0x", "queued", None, 0.0) for s in range(count)]


def test_requests_and_withdrawals_share_the_slots() -> None:
    assert request_slots(2, 10, 0, 1) == 2  # no withdrawal waits: every slot
    assert request_slots(2, 10, 5, 1) == 1  # both wait: half each
    assert request_slots(2, 10, 1, 1) == 1
    assert request_slots(4, 10, 1, 1) == 3  # a share withdrawals do not use goes to requests
    assert request_slots(4, 1, 9, 1) == 1  # and the other way round
    assert request_slots(2, 0, 9, 1) == 0
    assert [request_slots(1, 5, 5, n) for n in (1, 2, 3, 4)] == [1, 0, 1, 0]  # one slot: blocks take turns


def test_chains_take_turns_each_in_serial_order() -> None:
    flood, other = _requests(3, 6), _requests(1, 2)
    ready = flood + other  # the flood was seen first
    taken = in_turn(ready, 2, block_number=0)
    assert [(r.chain, r.serial) for r in taken] == [(1, 0), (3, 0)]
    taken = in_turn(ready, 3, block_number=1)  # another chain starts the turn in the next block
    assert [(r.chain, r.serial) for r in taken] == [(3, 0), (1, 0), (3, 1)]
    assert in_turn([], 2, 0) == [] and in_turn(ready, 0, 0) == []
