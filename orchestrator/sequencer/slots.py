"""How a block's on-chain slots are shared (issue 14 point 5: dust on the cheapest chain starved everyone).

A block has `n_op` on-chain slots for priority requests (deposits, full exits: every chain's queue) and
withdrawals (signed on L2). Before, requests took every slot first, in the order they were seen, so a
flood of deposits on one chain held back every chain's withdrawals and the other chains' requests. Now:

- when requests and withdrawals both wait, each kind gets half the slots (with one slot, blocks take
  turns); a share one kind does not use goes to the other;
- requests are taken one chain at a time, in turn, starting from a different chain each block, and each
  chain's in serial order (the contracts check that order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from orchestrator.store.sequencer import StoredRequest

R = TypeVar("R", bound=StoredRequest)


def request_slots(n_op: int, requests_waiting: int, withdrawals_waiting: int, block_number: int) -> int:
    """How many of the block's `n_op` slots go to priority requests."""
    if withdrawals_waiting == 0:
        return min(n_op, requests_waiting)
    share = (n_op + 1) // 2 if n_op > 1 else block_number % 2
    return min(requests_waiting, max(share, n_op - withdrawals_waiting))


def in_turn(ready: Sequence[R], slots: int, block_number: int) -> list[R]:
    """Up to `slots` of the `ready` requests (each chain's in serial order), one chain at a time in turn,
    starting from the chain `block_number` picks."""
    queues: dict[int, list[R]] = {}
    for r in ready:
        queues.setdefault(r.chain, []).append(r)
    chains = sorted(queues)
    if not chains:
        return []
    start = block_number % len(chains)
    order = chains[start:] + chains[:start]
    taken: list[R] = []
    while len(taken) < slots and any(queues[c] for c in order):
        for c in order:
            if queues[c] and len(taken) < slots:
                taken.append(queues[c].pop(0))
    return taken
