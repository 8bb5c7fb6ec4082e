"""The calls of the four stages, built from the ledger (docs/settlement.md).

Each function returns a web3 ContractFunction; who signs and sends it (orchestrator/settlement/runner.py,
or a test) is not this module's business. `after` arguments are on-chain counters: callers read them
from the chain, which is the source of truth, so a repeated call after a crash starts where the chain is.
"""

from __future__ import annotations

from collections.abc import Mapping

from web3.contract.contract import ContractFunction

from orchestrator.chain.clients import RollupClient
from orchestrator.prover.groth16 import Proof
from orchestrator.settlement.ledger import LedgerError, SettlementLedger


def commit_primary(
    rollup: RollupClient, ledger: SettlementLedger, after: int, up_to: int
) -> ContractFunction:
    """`commitBlocks` on the primary for blocks after..up_to, with their full public data (in Validium mode,
    the data hash and the committee's signatures in place of the L2 section: `ledger.commit_data`)."""
    chain = ledger.primary_chain
    commit = []
    for n in range(after + 1, up_to + 1):
        b, data = ledger.block(n), ledger.commit_data(n)
        if data is None:
            raise LedgerError(f"block {n} has no data committee signatures yet: it cannot be committed")
        commit.append((b.number, b.timestamp, b.new_root.to_bytes(32, "big"), data))
    last = ledger.stored(chain, after)
    return rollup.functions.commitBlocks(last.as_tuple(), ledger.sync_hashes(after), commit)


def commit_secondary(
    rollup: RollupClient, ledger: SettlementLedger, chain: int, after: int, up_to: int, report: bool = True
) -> ContractFunction | None:
    """The commit on secondary `chain` of its blocks in (after, up_to]; None when it has none. With
    `report`, `commitBlocksAndReport`: the sync report of each block leaves in the same transaction;
    without, `commitBlocks`, and reports wait for `sendSyncReport`."""
    infos = ledger.blocks_of(chain, after, up_to)
    if not infos:
        return None
    commit = [
        (i.block_number, i.timestamp, i.state_root, ledger.records(chain, i.block_number)) for i in infos
    ]
    f = rollup.functions
    call = f.commitBlocksAndReport if report else f.commitBlocks
    return call(ledger.stored(chain, after).as_tuple(), commit)


def prove(rollup: RollupClient, ledger: SettlementLedger, proofs: Mapping[int, Proof]) -> ContractFunction:
    """`proveBlocks` for the given blocks (consecutive, after the last proven one)."""
    numbers = sorted(proofs)
    infos = [ledger.stored(ledger.primary_chain, n).as_tuple() for n in numbers]
    return rollup.functions.proveBlocks(infos, [proofs[n].evm_args() for n in numbers])


def synchronize(rollup: RollupClient, ledger: SettlementLedger, up_to: int) -> ContractFunction:
    """`synchronizeBlocks` up to block `up_to`, citing each secondary's report for its last block <= up_to."""
    report_blocks = [0 if c == ledger.primary_chain else ledger.report_block(c, up_to) for c in ledger.chains]
    stored = ledger.stored(ledger.primary_chain, up_to)
    return rollup.functions.synchronizeBlocks(stored.as_tuple(), ledger.sync_hashes(up_to), report_blocks)


def execute(
    rollup: RollupClient, ledger: SettlementLedger, chain: int, after: int, up_to: int
) -> ContractFunction | None:
    """`executeBlocks` on `chain` for its blocks in (after, up_to] with their own records; None if none."""
    infos = ledger.blocks_of(chain, after, up_to)
    if not infos:
        return None
    return rollup.functions.executeBlocks(
        [(i.as_tuple(), ledger.records(chain, i.block_number)) for i in infos]
    )


def revert(rollup: RollupClient, ledger: SettlementLedger, chain: int, to: int) -> ContractFunction:
    """`revertBlocks` of `chain`'s blocks above `to`, newest first; the ledger forgets them."""
    dropped = ledger.revert_to(chain, to)
    if not dropped:
        raise LedgerError(f"chain {chain} has no committed block above {to}")
    return rollup.functions.revertBlocks([i.as_tuple() for i in dropped])
