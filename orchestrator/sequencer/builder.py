"""The sequencer's state: the L2 state, the settlement ledger, and the blocks built on them.

The builder never touches L1. A request read from a chain becomes an operation; the builder applies
operations to the state and records each block in the ledger; settlement then sends what the ledger says
(orchestrator/settlement/runner.py). Data flows one way: L1 event -> operation -> state change -> effects.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from orchestrator.config import DeploymentConfig
from orchestrator.l2.block import Block, build_block
from orchestrator.l2.params import ETH_TOKEN, Profile
from orchestrator.l2.state import L2State
from orchestrator.l2.tx import OnChainOp, Transfer
from orchestrator.settlement.ledger import SettlementLedger


def token_chains(config: DeploymentConfig) -> dict[int, list[int]]:
    """L2 token id -> the rollup chains where it has a way in and out: ETH on chains whose native coin it is,
    every other token where it is an ERC-20 or the native coin."""
    tokens = {ETH_TOKEN: [c.rollup_chain_id for c in config.chains if c.native == "ETH"]}
    for t in config.tokens:
        tokens[t.l2_token_id] = [
            c.rollup_chain_id for c in config.chains if t.symbol in (*c.tokens, c.native)
        ]
    return tokens


class BlockBuilder:
    """Builds blocks on the L2 state and records each in the ledger."""

    def __init__(
        self, profile: Profile, domain: int, primary_chain: int, tokens: Mapping[int, Sequence[int]]
    ) -> None:
        self.profile, self.domain = profile, domain
        self.state = L2State(profile, tokens={t: list(c) for t, c in tokens.items()})
        chains = sorted({c for cs in tokens.values() for c in cs} | {primary_chain})
        self.ledger = SettlementLedger(primary_chain, chains, self.state.root)

    @property
    def last_block(self) -> int:
        return self.ledger.last_block

    def build(
        self,
        ops: Sequence[OnChainOp] = (),
        transfers: Sequence[Transfer] = (),
        timestamp: int | None = None,
        signatures_verified: bool = False,
    ) -> Block:
        """The next block (applied to the state), recorded in the ledger. `timestamp` replays a stored
        block; new blocks take the clock, never earlier than the previous block. `signatures_verified`:
        the caller checked every signature already (see `l2.block.build_block`)."""
        ledger = self.ledger
        previous = ledger.block(ledger.last_block).timestamp if ledger.last_block else 0
        timestamp = max(int(time.time()), previous) if timestamp is None else timestamp
        block = build_block(
            self.state,
            number=ledger.last_block + 1,
            timestamp=timestamp,
            domain=self.domain,
            ops=ops,
            transfers=transfers,
            signatures_verified=signatures_verified,
        )
        ledger.add(block)
        return block
