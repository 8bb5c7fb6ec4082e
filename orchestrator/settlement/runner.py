"""The stages, sent: given the chains and the ledger, each call reads the on-chain counters first and sends
only what is missing, so a step repeated after a failure or a crash neither skips nor repeats work.

The runner holds no state of its own: the ledger (what every chain stores for each block) belongs to
whoever builds the blocks, and proofs come from a `ProofSource` passed in. Messages between the chains
are the relayer's business (orchestrator/relayer): the runner only sends what makes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from web3.contract.contract import ContractFunction

from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain
from orchestrator.prover.groth16 import Proof
from orchestrator.settlement import stages
from orchestrator.settlement.ledger import SettlementLedger


class ProofSource(Protocol):
    def proof(self, number: int) -> Proof | None:
        """The proof of block `number`, or None while it has none yet."""


class StageRunner:
    """The operator's calls of every stage on every chain (`chains[c].tx` signs them)."""

    def __init__(self, chains: Mapping[int, Chain], primary: int, report_in_commit: bool = True) -> None:
        self.chains, self.primary = chains, chains[primary]
        self.secondaries = [c for c in chains.values() if c is not self.primary]
        # A secondary's commit carries its sync reports (the cheap way); `report` remains for blocks
        # whose report did not go out with their commit (committed with it off, or reverted).
        self.report_in_commit = report_in_commit

    def _send(self, chain: Chain, fn: ContractFunction | None, label: str) -> None:
        if fn is not None:
            chain.tx.send(fn, label=label)

    def commit(self, ledger: SettlementLedger) -> None:
        """Commit every ledger block a chain does not hold yet (each chain from its own counter)."""
        last = ledger.last_block
        for c in self.chains.values():
            after = c.rollup.counter(Stage.COMMITTED)
            if after >= last:
                continue
            if c is self.primary:
                up_to = ledger.committable_up_to(after)  # Validium: only what the committee has signed
                if up_to > after:
                    self._send(c, stages.commit_primary(c.rollup, ledger, after, up_to), "commit")
            else:
                fn = stages.commit_secondary(c.rollup, ledger, c.id, after, last, self.report_in_commit)
                self._send(c, fn, "commit")

    def prove(self, ledger: SettlementLedger, proofs: ProofSource, max_blocks: int | None = None) -> None:
        """Verify on the primary, in one call, the committed blocks after its proven one whose proofs
        `proofs` has, in order (at most `max_blocks`)."""
        p = self.primary
        first, last = p.rollup.counter(Stage.PROVEN) + 1, p.rollup.counter(Stage.COMMITTED)
        if max_blocks is not None:
            last = min(last, first + max_blocks - 1)
        ready: dict[int, Proof] = {}
        for n in range(first, last + 1):
            proof = proofs.proof(n)
            if proof is None:
                break
            ready[n] = proof
        if ready:
            self._send(p, stages.prove(p.rollup, ledger, ready), f"prove {len(ready)}")

    def report_needs(self, ledger: SettlementLedger) -> dict[int, int]:
        """Secondary -> the block whose report the primary needs to synchronize its proven block: the
        secondary's last block at or below it, for every secondary with news since its last confirmation."""
        p = self.primary
        proven = p.rollup.counter(Stage.PROVEN)
        if proven <= p.rollup.counter(Stage.SYNCHRONIZED):
            return {}
        expected = ledger.sync_hashes(proven)
        confirmed = p.rollup.functions.confirmedSyncHash
        return {
            c.id: ledger.report_block(c.id, proven)
            for c in self.secondaries
            if expected[c.id - 1] != bytes(confirmed(c.id).call())
        }

    def report(self, ledger: SettlementLedger) -> None:
        """Each secondary the primary needs a report from for its proven block sends it (once: the
        contract refuses a block at or below the last reported one)."""
        for chain_id, block in self.report_needs(ledger).items():
            c = self.chains[chain_id]
            f = c.rollup.functions
            if block > max(c.rollup.counter(Stage.SYNCHRONIZED), int(f.lastReportedBlock().call())):
                c.tx.send(f.sendSyncReport(block), label="send report")

    def sync_target(self, ledger: SettlementLedger, max_lookups: int = 16) -> int | None:
        """The highest block in (synchronized, proven] on the primary for which it holds every report it
        needs, each equal to the S_c the ledger derived (a report that differs would only make the call
        revert); None if there is none. Reports that arrived for a lower block are not wasted while the
        report for the proven block is still travelling. Reads at most `max_lookups` reports: a long
        backlog costs no more per call (at worst the search stops short and the proven block's own report
        decides)."""
        p = self.primary
        synchronized, proven = p.rollup.counter(Stage.SYNCHRONIZED), p.rollup.counter(Stage.PROVEN)
        if proven <= synchronized:
            return None
        f = p.rollup.functions
        confirmed = {c.id: bytes(f.confirmedSyncHash(c.id).call()) for c in self.secondaries}
        held: dict[tuple[int, int], bytes] = {}  # (chain, block) -> the report the primary holds

        def lacking(n: int) -> int | None:
            """The block of a report that block n needs and the primary lacks; None if it holds them all."""
            expected = ledger.sync_hashes(n)
            for c in confirmed:
                if expected[c - 1] == confirmed[c]:
                    continue  # nothing new for c up to n
                m = ledger.report_block(c, n)
                if (c, m) not in held:
                    held[(c, m)] = bytes(f.syncReports(c, m).call())
                if held[(c, m)] != expected[c - 1]:
                    return m
            return None

        n = proven
        while n > synchronized and len(held) < max_lookups:
            m = lacking(n)
            if m is None:
                return n
            # c has no block in (m, n]: every block from m up to n needs this same report, and lacks it
            n = m - 1
        return None

    def synchronize(self, ledger: SettlementLedger) -> None:
        """Synchronize the primary up to the highest proven block whose reports all arrived (`sync_target`),
        not only up to its proven block: a report still travelling for that one delays nothing below it."""
        target = self.sync_target(ledger)
        if target is not None:
            self._send(self.primary, stages.synchronize(self.primary.rollup, ledger, target), "synchronize")

    def execute(self, ledger: SettlementLedger) -> None:
        """Execute on every chain its blocks up to its synchronized block."""
        for c in self.chains.values():
            after, up_to = c.rollup.counter(Stage.EXECUTED), c.rollup.counter(Stage.SYNCHRONIZED)
            if up_to > after:
                self._send(c, stages.execute(c.rollup, ledger, c.id, after, up_to), "execute")
