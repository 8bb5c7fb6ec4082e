"""Each settlement stage on live chains, and every way it must refuse: each failure asserts its named
error. Each test starts from a named stage of a world holding two blocks (`Worlds.at`): the module's world
is reused while it stands at or before that stage (the driver advances it, step by step, read from the
on-chain counters), and a fresh one is deployed when a test needs an earlier stage or the world stands at
none (a test failed half-way). Every world builds the same two blocks at the same timestamp, so their real
proofs are computed once (`ReusedProofs`). Each test passes alone and in any order; in file order they
share one world, as a round does: commit, prove, synchronize, confirm, execute, revert."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace

import pytest
from web3.contract.contract import ContractFunction

from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain
from orchestrator.l2.block import Block
from orchestrator.l2.chainhash import ZERO_HASH, next_sync_hash, op_hash
from orchestrator.l2.tx import OpRecord, Withdraw
from orchestrator.messaging.attest import Message, attestations
from orchestrator.messaging.relay import delivery, messages_in_receipt, sent_messages
from orchestrator.prover.groth16 import BASE_FIELD_Q
from orchestrator.prover.profiles import BlockProver
from orchestrator.settlement import stages
from orchestrator.settlement.ledger import StoredBlockInfo
from orchestrator.settlement.messages import CONFIRMATION
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import ReusedProofs, World, settlement_world
from tests.bn254 import G1_GENERATOR, g1_add, g1_mul, g1_neg
from tests.chain import expect_revert

pytestmark = pytest.mark.integration

DAVE = USERS["dave"]  # an outsider: no role anywhere
T0 = int(time.time())  # every world's blocks carry this timestamp: the same blocks, the same proofs
STAGES = ("built", "committed", "proven", "synchronized", "confirmed")


@dataclass
class Staged:
    world: World
    b1: Block  # deposits of alice (alpha) and bob (beta)
    b2: Block  # carol's deposit (gamma); bob withdraws to beta

    @property
    def alpha(self) -> Chain:
        return self.world.chain(1)

    @property
    def beta(self) -> Chain:
        return self.world.chain(2)

    @property
    def gamma(self) -> Chain:
        return self.world.chain(3)

    def confirmations(self) -> dict[int, Message]:
        """The confirmations the primary rollup sent, by the rollup chain id they are for (from the log)."""
        alpha, d = self.alpha, self.world
        since, head = d.deployments.chains[alpha.config.name].deploy_block, int(alpha.w3.eth.block_number)
        sent = sent_messages(alpha.messenger, alpha.config.evm_chain_id, since, head)
        by_evm_id = {c.config.evm_chain_id: c.id for c in (self.beta, self.gamma)}
        ours = [m for m in sent if m.sender == alpha.rollup.address and m.payload[0] == CONFIRMATION]
        return {by_evm_id[m.destination_chain_id]: m for m in ours}

    def stage(self) -> str | None:
        """The stage the chains stand at; None past `confirmed` or between stages."""
        d = self.world
        chains = list(d.chains.values())
        if d.ledger.last_block != 2:
            return None
        if [c.rollup.counter(Stage.COMMITTED) for c in chains] == [0, 0, 0]:
            return "built"
        for c in chains:  # every chain holds exactly the ledger's blocks
            last = d.ledger.last_stored(c.id)
            if c.rollup.counter(Stage.COMMITTED) != last.block_number:
                return None
            if bytes(c.rollup.functions.storedBlockHashes(last.block_number).call()) != last.hash():
                return None
        proven = self.alpha.rollup.counter(Stage.PROVEN)
        synchronized = [c.rollup.counter(Stage.SYNCHRONIZED) for c in chains]
        reported = [int(c.rollup.functions.lastReportedBlock().call()) for c in (self.beta, self.gamma)]
        if any(c.rollup.counter(Stage.EXECUTED) for c in chains):
            return None
        if synchronized == [0, 0, 0] and reported == [0, 0]:
            return {0: "committed", 2: "proven"}.get(proven)
        if synchronized == [2, 0, 0] and len(self.confirmations()) == 2:
            return "synchronized"
        return "confirmed" if synchronized == [2, 2, 2] else None


def _report_relay_synchronize(d: World) -> None:
    d.report()
    d.relay()
    d.synchronize()


# The world's step from each stage to the next (it reads the counters and does only what is missing).
STEPS: dict[str, Callable[[World], object]] = {
    "built": World.commit,
    "committed": World.prove,
    "proven": _report_relay_synchronize,
    "synchronized": World.relay,  # delivers the confirmations
}


class Worlds:
    """The module's world, one at a time: `at(stage)` returns it at that stage."""

    def __init__(self, tmp: pytest.TempPathFactory, prover: BlockProver) -> None:
        self.tmp, self.prover = tmp, ReusedProofs(prover)
        self.nodes = ExitStack()
        self.current: Staged | None = None

    def at(self, stage: str) -> Staged:
        now = None if self.current is None else self.current.stage()
        if self.current is None or now is None or STAGES.index(now) > STAGES.index(stage):
            self.close()
            self.current, now = self._fresh(), "built"
        while now != stage:
            STEPS[now](self.current.world)
            reached = self.current.stage()
            assert reached == STAGES[STAGES.index(now) + 1], f"{now} did not advance: {reached}"
            now = reached
        return self.current

    def close(self) -> None:
        self.nodes.close()
        self.nodes, self.current = ExitStack(), None

    def _fresh(self) -> Staged:
        """Three chains, deposits on each, and blocks 1 and 2 built (not committed)."""
        tmp = self.tmp.mktemp("stages")
        world = self.nodes.enter_context(settlement_world(tmp, self.prover, n=3, base_chain_id=952000))
        world.runner.report_in_commit = False  # this module sends each report on its own (sendSyncReport)
        d = world
        for chain_id, user in ((1, USERS["alice"]), (2, USERS["bob"]), (3, USERS["carol"])):
            world.deposit_eth(world.chain(chain_id), user, ETHER)
        requests = {r.chain: r for r in d.new_requests()}
        b1 = d.build_block(ops=[requests[1], requests[2]], timestamp=T0)
        bob = USERS["bob"]
        withdraw = Withdraw(1, 2, bob.address_int, ETHER // 2, 0).sign(bob.l2_key, d.domain)
        b2 = d.build_block(ops=[requests[3], withdraw], timestamp=T0)
        return Staged(world, b1, b2)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[Worlds]:
    holder = Worlds(tmp_path_factory, test_prover)
    try:
        yield holder
    finally:
        holder.close()


CommitInfo = tuple[int, int, bytes, bytes]


def _commit_info(block: Block, public_data: bytes | None = None, timestamp: int | None = None) -> CommitInfo:
    data = block.public_data if public_data is None else public_data
    return (block.number, timestamp or block.timestamp, block.new_root.to_bytes(32, "big"), data)


def _with_record(block: Block, index: int, record: bytes) -> bytes:
    data = block.public_data
    return data[: 64 * index] + record + data[64 * (index + 1) :]


def test_commit_checks_order_queue_chain_ids_and_caller(worlds: Worlds) -> None:
    staged = worlds.at("built")
    d, alpha, beta, b1, b2 = staged.world, staged.alpha, staged.beta, staged.b1, staged.b2
    op = d.operator
    genesis, zero_sync = d.ledger.stored(1, 0).as_tuple(), d.ledger.sync_hashes(0)

    def primary(*blocks: CommitInfo) -> ContractFunction:
        return alpha.rollup.functions.commitBlocks(genesis, zero_sync, list(blocks))

    expect_revert(alpha.w3, DAVE.l1_key, primary(_commit_info(b1)), "Unauthorized")
    assert expect_revert(alpha.w3, op, primary(_commit_info(b2)), "NonSequentialBlock") == (1, 2)
    stale = alpha.rollup.functions.commitBlocks(d.ledger.stored(1, 1).as_tuple(), d.ledger.sync_hashes(1), [])
    assert expect_revert(alpha.w3, op, stale, "NonSequentialBlock") == (0, 1)
    short = primary(_commit_info(b1, b1.public_data[:-1]))
    n = len(b1.public_data)
    assert expect_revert(alpha.w3, op, short, "PublicDataLength") == (n, n - 1)
    two_hashes = alpha.rollup.functions.commitBlocks(genesis, zero_sync[:2], [_commit_info(b1)])
    assert expect_revert(alpha.w3, op, two_hashes, "SyncHashCount") == (3, 2)
    # an operation not in the queue: alice's deposit with one wei more than she sent
    alice_dep = b1.op_records[0]
    one_more = replace(alice_dep, amount=alice_dep.amount + 1).encode()
    more = primary(_commit_info(b1, _with_record(b1, 0, one_more)))
    serial, expected, actual = expect_revert(alpha.w3, op, more, "PriorityRequestMismatch")
    assert serial == 0 and expected != actual
    # a wrong chain id, and an unknown operation type
    bob_dep = b1.op_records[1]
    chain9 = primary(_commit_info(b1, _with_record(b1, 1, replace(bob_dep, chain=9).encode())))
    assert expect_revert(alpha.w3, op, chain9, "UnknownChainId") == (1, 9)
    type7 = primary(_commit_info(b1, _with_record(b1, 1, b"\x07" + bob_dep.encode()[1:])))
    assert expect_revert(alpha.w3, op, type7, "InvalidOperationType") == (1, 7)
    future = primary(_commit_info(b1, timestamp=int(time.time()) + 3600))
    expect_revert(alpha.w3, op, future, "TimestampOutOfRange")

    # a secondary: only its own records, each matching its queue
    def secondary(records: bytes) -> ContractFunction:
        root = b1.new_root.to_bytes(32, "big")
        genesis = d.ledger.stored(2, 0).as_tuple()
        return beta.rollup.functions.commitBlocks(genesis, [(1, b1.timestamp, root, records)])

    assert expect_revert(beta.w3, op, secondary(replace(bob_dep, chain=3).encode()), "WrongChainId") == (2, 3)
    assert expect_revert(beta.w3, op, secondary(alice_dep.encode()), "WrongChainId") == (2, 1)
    bigger = replace(bob_dep, amount=bob_dep.amount * 2).encode()
    assert expect_revert(beta.w3, op, secondary(bigger), "PriorityRequestMismatch")[0] == 0
    assert expect_revert(beta.w3, op, secondary(b""), "NoOperationsForChain") == (1,)
    assert expect_revert(beta.w3, op, secondary(OpRecord().encode()), "InvalidOperationType") == (0, 0)
    assert expect_revert(beta.w3, op, secondary(bob_dep.encode()[:-1]), "RecordsLength") == (128, 63)
    assert expect_revert(beta.w3, op, secondary(bob_dep.encode() * 3), "RecordsLength") == (128, 192)

    d.commit()
    assert [c.rollup.counter(Stage.COMMITTED) for c in d.chains.values()] == [2, 2, 2]
    assert expect_revert(alpha.w3, op, primary(_commit_info(b1)), "NonSequentialBlock") == (2, 0)
    assert alpha.rollup.functions.pendingPriorityRequests().call() == 0


def test_prove_accepts_only_each_blocks_own_proof(worlds: Worlds) -> None:
    staged = worlds.at("committed")
    d, alpha = staged.world, staged.alpha
    op, f = d.operator, alpha.rollup.functions
    proofs = {n: d.prover.proof(n) for n in (1, 2)}
    first = d.ledger.stored(1, 1)
    second_first = stages.prove(alpha.rollup, d.ledger, {2: proofs[2]})
    assert expect_revert(alpha.w3, op, second_first, "NonSequentialBlock") == (1, 2)
    # another block's proof
    assert expect_revert(alpha.w3, op, f.proveBlocks([first.as_tuple()], []), "ProofCount") == (1, 0)
    other = f.proveBlocks([first.as_tuple()], [proofs[2].evm_args()])
    assert expect_revert(alpha.w3, op, other, "InvalidProof") == (1, 1)
    # a wrong proof: A negated is still a curve point, but the pairing fails
    a, b, c = proofs[1].evm_args()
    negated = f.proveBlocks([first.as_tuple()], [([a[0], BASE_FIELD_Q - a[1]], b, c)])
    assert expect_revert(alpha.w3, op, negated, "InvalidProof") == (1, 1)
    # the right proof against a stored block passed back altered
    altered = replace(first, commitment=d.ledger.stored(1, 2).commitment)
    mismatch = f.proveBlocks([altered.as_tuple()], [proofs[1].evm_args()])
    expect_revert(alpha.w3, op, mismatch, "StoredBlockMismatch")
    # Blocks 1 and 2 in one call, one pairing check: one bad proof fails both, even two wrong proofs
    # crafted so that their errors cancel in an unweighted sum (C_1 + X and C_2 - X).
    infos = [first.as_tuple(), d.ledger.stored(1, 2).as_tuple()]
    (a1, b1, c1), (a2, b2, c2) = proofs[1].evm_args(), proofs[2].evm_args()
    shift = g1_mul(alpha.w3, G1_GENERATOR, 987654321)
    crafted = [
        (a1, b1, list(g1_add(alpha.w3, (c1[0], c1[1]), shift))),
        (a2, b2, list(g1_add(alpha.w3, (c2[0], c2[1]), g1_neg(shift)))),
    ]
    assert expect_revert(alpha.w3, op, f.proveBlocks(infos, crafted), "InvalidProof") == (1, 2)
    one_bad = f.proveBlocks(infos, [proofs[1].evm_args(), crafted[1]])
    assert expect_revert(alpha.w3, op, one_bad, "InvalidProof") == (1, 2)
    assert f.lastProvenBlock().call() == 0
    expect_revert(alpha.w3, DAVE.l1_key, stages.prove(alpha.rollup, d.ledger, proofs), "Unauthorized")
    alpha.tx.send(stages.prove(alpha.rollup, d.ledger, proofs))
    assert f.lastProvenBlock().call() == 2


def _bad_gamma_block(staged: Staged) -> tuple[bytes, StoredBlockInfo]:
    """Gamma's block 2 with carol's deposit put in another account: its queue check cannot tell (the
    sequencer picks the index), but it is not what was proven."""
    d, b2 = staged.world, staged.b2
    good = OpRecord.decode(d.ledger.records(3, 2))
    bad = replace(good, account=good.account + 5)
    root = b2.new_root
    info = StoredBlockInfo(
        2,
        b2.timestamp,
        root.to_bytes(32, "big"),
        ZERO_HASH,
        op_hash([bad], 3),
        next_sync_hash(ZERO_HASH, 2, root, [bad], 3),
        1,
        0,
    )
    return bad.encode(), info


def _replace_gamma_block(staged: Staged, current: StoredBlockInfo, records: bytes) -> None:
    d, gamma = staged.world, staged.gamma
    gamma.tx.send(gamma.rollup.functions.revertBlocks([current.as_tuple()]))
    if records == d.ledger.records(3, 2):
        d.commit()
    else:
        root = staged.b2.new_root.to_bytes(32, "big")
        genesis = d.ledger.stored(3, 0).as_tuple()
        fn = gamma.rollup.functions.commitBlocks(genesis, [(2, staged.b2.timestamp, root, records)])
        gamma.tx.send(fn)


def _report(chain: Chain, operator: str, block: int = 2) -> Message:
    receipt = chain.tx.send(chain.rollup.functions.sendSyncReport(block))
    [message] = messages_in_receipt(chain.messenger, chain.config.evm_chain_id, receipt)
    return message


def test_synchronize_needs_every_secondarys_matching_report(worlds: Worlds) -> None:
    staged = worlds.at("proven")
    d, alpha, beta, gamma = staged.world, staged.alpha, staged.beta, staged.gamma
    op, keys = d.operator, d.validators
    sync = stages.synchronize(alpha.rollup, d.ledger, 2)
    assert expect_revert(alpha.w3, op, sync, "MissingSyncReport") == (2, 2)
    stored, hashes = d.ledger.stored(1, 2).as_tuple(), d.ledger.sync_hashes(2)
    no_reports = alpha.rollup.functions.synchronizeBlocks(stored, hashes, [])
    assert expect_revert(alpha.w3, op, no_reports, "ReportBlockCount") == (3, 0)

    # reports are the operator's (an outsider's report of a later block would raise the floor above
    # the block the primary needs)
    outsider = beta.rollup.functions.sendSyncReport(2)
    assert expect_revert(beta.w3, DAVE.l1_key, outsider, "Unauthorized")[1] == DAVE.address
    report = _report(beta, op)
    again = beta.rollup.functions.sendSyncReport(2)  # no news: nothing for the relayer to carry
    assert expect_revert(beta.w3, op, again, "NothingToReport") == (2, 2)
    unknown = beta.rollup.functions.sendSyncReport(3)
    assert expect_revert(beta.w3, op, unknown, "BlockNotCommittedHere") == (3, 2)
    m = alpha.messenger.functions
    expect_revert(alpha.w3, op, m.deliver(report.as_tuple(), []), "NotEnoughAttestations")  # unattested
    expect_revert(gamma.w3, op, delivery(gamma.messenger, report, keys), "WrongDestination")
    altered = replace(report, payload=report.payload[:-1] + bytes([report.payload[-1] ^ 1]))
    expect_revert(
        alpha.w3,
        op,
        m.deliver(altered.as_tuple(), attestations(report, keys, alpha.messenger.address)),
        "UnknownValidator",
    )
    alpha.tx.send(delivery(alpha.messenger, report, keys))
    assert bytes(alpha.rollup.functions.syncReports(2, 2).call()) == d.ledger.sync_hashes(2)[1]
    expect_revert(alpha.w3, op, delivery(alpha.messenger, report, keys), "AlreadyDelivered")  # replayed

    # an outsider cannot even send: a messenger carries only its own chain's rollup's messages, and the
    # primary takes reports only from beta's rollup (NotPeer), through its messenger
    fn = beta.messenger.functions.send(alpha.config.evm_chain_id, alpha.rollup.address, report.payload)
    assert expect_revert(beta.w3, DAVE.l1_key, fn, "Unauthorized") == (beta.rollup.address, DAVE.address)
    beta_evm = beta.config.evm_chain_id
    direct = alpha.rollup.functions.receiveMessage(beta_evm, beta.rollup.address, report.payload)
    args = expect_revert(alpha.w3, DAVE.l1_key, direct, "Unauthorized")
    assert args == (alpha.messenger.address, DAVE.address)

    # gamma has not reported: no confirmation yet
    assert expect_revert(alpha.w3, op, sync, "MissingSyncReport") == (3, 2)
    # gamma's committed block differs from the proven one: its report never matches
    bad_records, bad_info = _bad_gamma_block(staged)
    _replace_gamma_block(staged, d.ledger.stored(3, 2), bad_records)
    alpha.tx.send(delivery(alpha.messenger, _report(gamma, op), keys))
    good_sync = d.ledger.sync_hashes(2)[2]
    assert expect_revert(alpha.w3, op, sync, "SyncHashMismatch") == (3, good_sync, bad_info.sync_hash)
    # gamma puts the proven data back (its block is above its synchronized block) and reports again
    _replace_gamma_block(staged, bad_info, d.ledger.records(3, 2))
    alpha.tx.send(delivery(alpha.messenger, _report(gamma, op), keys))
    receipt = alpha.tx.send(sync)
    assert alpha.rollup.functions.lastSynchronizedBlock().call() == 2
    sent = messages_in_receipt(alpha.messenger, alpha.config.evm_chain_id, receipt)
    assert sorted(m.destination_chain_id for m in sent) == [c.config.evm_chain_id for c in (beta, gamma)]
    assert sorted(staged.confirmations()) == [2, 3]
    assert staged.stage() == "synchronized"


def test_a_secondary_advances_only_on_a_confirmation_of_what_it_committed(worlds: Worlds) -> None:
    staged = worlds.at("synchronized")
    d, alpha, beta, gamma = staged.world, staged.alpha, staged.beta, staged.gamma
    op, keys = d.operator, d.validators
    confirmations = staged.confirmations()
    # execution before confirmation
    early = stages.execute(beta.rollup, d.ledger, 2, 0, 2)
    assert early is not None
    assert expect_revert(beta.w3, op, early, "BlockNotSynchronized") == (0, 1)
    # gamma swaps its block 2 while the confirmation travels: the confirmed hash is not what it holds now
    bad_records, bad_info = _bad_gamma_block(staged)
    _replace_gamma_block(staged, d.ledger.stored(3, 2), bad_records)
    confirm_gamma = delivery(gamma.messenger, confirmations[3], keys)
    args = expect_revert(gamma.w3, op, confirm_gamma, "ConfirmationMismatch")
    assert args == (2, bad_info.sync_hash, d.ledger.sync_hashes(2)[2])
    assert gamma.rollup.counter(Stage.SYNCHRONIZED) == 0  # its withdrawals cannot pay
    _replace_gamma_block(staged, bad_info, d.ledger.records(3, 2))
    gamma.tx.send(confirm_gamma)
    beta.tx.send(delivery(beta.messenger, confirmations[2], keys))
    assert [c.rollup.counter(Stage.SYNCHRONIZED) for c in d.chains.values()] == [2, 2, 2]
    # only the primary rollup may confirm: an outsider cannot send the same payload at all
    payload = confirmations[2].payload
    fn = alpha.messenger.functions.send(beta.config.evm_chain_id, beta.rollup.address, payload)
    assert expect_revert(alpha.w3, DAVE.l1_key, fn, "Unauthorized") == (alpha.rollup.address, DAVE.address)


def test_execute_pays_once_and_synchronized_blocks_never_revert(worlds: Worlds) -> None:
    staged = worlds.at("confirmed")
    d, alpha, beta = staged.world, staged.alpha, staged.beta
    op = d.operator
    wrong = alpha.rollup.functions.executeBlocks([(d.ledger.stored(1, 1).as_tuple(), bytes(64))])
    expect_revert(alpha.w3, op, wrong, "OpsHashMismatch")
    partial = alpha.rollup.functions.executeBlocks([(d.ledger.stored(1, 1).as_tuple(), bytes(100))])
    assert expect_revert(alpha.w3, op, partial, "PartialRecord") == (64, 100)
    for c in d.chains.values():
        fn = c.rollup.functions.revertBlocks([d.ledger.last_stored(c.id).as_tuple()])
        assert expect_revert(c.w3, op, fn, "CannotRevertSynchronized") == (2, 2), c.config.name
    d.execute()
    assert [c.rollup.counter(Stage.EXECUTED) for c in d.chains.values()] == [2, 2, 2]
    again = stages.execute(beta.rollup, d.ledger, 2, 0, 2)
    assert again is not None
    assert expect_revert(beta.w3, op, again, "NonSequentialBlock") == (2, 0)
    # bob's withdrawal to beta is paid once
    bob = USERS["bob"]
    pay = beta.rollup.functions.withdrawPendingBalance(bob.address, 0)
    before = beta.w3.eth.get_balance(bob.address)  # type: ignore[arg-type]
    beta.tx.send(pay)
    assert beta.w3.eth.get_balance(bob.address) - before == ETHER // 2  # type: ignore[arg-type]
    assert expect_revert(beta.w3, op, pay, "NothingPending") == (bob.address, 0)
    # above the synchronized block a revert is allowed, and the request goes back to the queue
    staged.world.deposit_eth(alpha, DAVE, ETHER)
    [request] = d.new_requests()
    d.build_block(ops=[request])
    d.commit()
    assert alpha.rollup.functions.pendingPriorityRequests().call() == 0
    alpha.tx.send(stages.revert(alpha.rollup, d.ledger, 1, 2))
    assert alpha.rollup.counter(Stage.COMMITTED) == 2
    assert alpha.rollup.functions.pendingPriorityRequests().call() == 1
