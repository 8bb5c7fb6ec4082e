"""The relayer daemon is untrusted, tested through its own code path on live chains: a relayer that alters
a payload gets no attestations for it from the validators, and if it delivers the altered message with
the real one's signatures the destination messenger rejects it on chain; a relayer that replays a
delivered message is rejected on chain too. The dishonest relayers are the daemon's `Relayer` with one
method swapped. (On the devnet the relayer's process also holds the TEST-ONLY validator keys, so these
tests show what the validator set and the contracts refuse, not that a devnet relayer could not sign.)
Each test has a message of its own: a real sync report from beta's rollup (a messenger carries nothing
else), for a block of its own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from eth_account import Account
from web3.contract.contract import ContractFunction

from orchestrator.chain.clients import Stage
from orchestrator.chain.handle import Chain
from orchestrator.chain.sender import GasRecord
from orchestrator.errors import ChainTxError
from orchestrator.messaging.attest import Message, attestations
from orchestrator.messaging.relay import messages_in_receipt, sent_messages
from orchestrator.messaging.validators import AttestationRefused
from orchestrator.prover.profiles import BlockProver
from orchestrator.relayer.daemon import Relayer
from orchestrator.relayer.store import DELIVERED, StoredMessage
from orchestrator.settlement import stages
from orchestrator.settlement.messages import REPORT
from orchestrator.testing.users import USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import expect_revert

pytestmark = pytest.mark.integration

ALTERED = b"pay 9 ETH to dave"
DAVE = USERS["dave"]  # an outsider: no role anywhere


class AlteringRelayer(Relayer):
    """Delivers every message with its payload altered, signed by the validators if they would."""

    def _delivery(self, dest: Chain, m: Message, seen_at: int) -> ContractFunction:
        return super()._delivery(dest, replace(m, payload=ALTERED), seen_at)


class ForgingRelayer(Relayer):
    """Delivers an altered payload under the signatures the validators gave the real message."""

    def _delivery(self, dest: Chain, m: Message, seen_at: int) -> ContractFunction:
        signatures = self.validators.attest(m, seen_at)
        altered = replace(m, payload=ALTERED).as_tuple()
        fn: ContractFunction = dest.messenger.functions.deliver(altered, signatures)
        return fn


class ReplayingRelayer(Relayer):
    """Never asks whether a message is delivered already."""

    def _is_delivered(self, dest: Chain, m: Message) -> bool:
        return False


@dataclass
class Setup:
    world: World
    block: int  # the block beta reports
    message: StoredMessage  # beta's report of it, seen by the relayer, not delivered

    def report_received(self) -> bytes:
        """What the primary holds as beta's report of the block (zero until delivered)."""
        return bytes(self.world.chain(1).rollup.functions.syncReports(2, self.block).call())


@pytest.fixture(scope="module")
def trust_world(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path_factory.mktemp("trust"), test_prover, n=2, base_chain_id=962000) as world:
        yield world


@pytest.fixture
def setup(trust_world: World) -> Setup:
    """A message of its own for each test: beta's sync report of a new block (dave's deposit), to alpha,
    seen by the relayer and not delivered."""
    world = trust_world
    beta = world.chain(2)
    world.deposit_eth(beta, USERS["dave"], 10**12)
    [request] = [r for r in world.new_requests() if r.chain == 2]
    block = world.build_block(ops=[request]).number
    before = int(beta.w3.eth.block_number)
    world.commit()  # beta's commit carries its report
    evm_id = beta.config.evm_chain_id
    [sent] = sent_messages(beta.messenger, evm_id, before + 1, int(beta.w3.eth.block_number))
    relayer = Relayer(world.config, world.home)
    try:
        relayer._scan(relayer.chains[beta.config.evm_chain_id])
        [stored] = [s for s in relayer.store.waiting() if s.message.nonce == sent.nonce]
    finally:
        relayer.store.close()
    return Setup(world, block, stored)


def _relayer(setup: Setup, kind: type[Relayer] = Relayer) -> Relayer:
    return kind(setup.world.config, setup.world.home)


def _delivered(setup: Setup) -> bool:
    m = setup.message.message
    return bool(setup.world.chain(1).messenger.functions.delivered(m.source_chain_id, m.nonce).call())


def _last_error(relayer: Relayer, setup: Setup) -> str:
    m = setup.message.message
    [stored] = [
        s
        for s in relayer.store.messages()
        if (s.message.source_chain_id, s.message.nonce) == (m.source_chain_id, m.nonce)
    ]
    return str(stored.last_error)


def test_validators_refuse_an_altered_or_invented_message(setup: Setup) -> None:
    relayer = _relayer(setup)
    try:
        m, at = setup.message.message, setup.message.l1_block
        assert relayer.validators.attest(m, at)  # the real one: signed
        with pytest.raises(AttestationRefused, match="differs from what the source messenger sent"):
            relayer.validators.attest(replace(m, payload=ALTERED), at)
        with pytest.raises(AttestationRefused, match="sent no such message"):
            relayer.validators.attest(replace(m, nonce=m.nonce + 1000), at)
        with pytest.raises(AttestationRefused, match="sent no such message"):  # not where the relayer says
            relayer.validators.attest(m, at - 1)
    finally:
        relayer.store.close()


@pytest.mark.parametrize(
    ("kind", "refusal"),
    [
        (AlteringRelayer, "differs from what the source messenger sent"),  # no attestations for it
        (ForgingRelayer, "UnknownValidator"),  # the real one's signatures: rejected on chain
    ],
    ids=["altered-payload", "altered-payload-real-signatures"],
)
def test_altered_payload_is_not_delivered(setup: Setup, kind: type[Relayer], refusal: str) -> None:
    relayer = _relayer(setup, kind)
    try:
        assert relayer._deliver(setup.message) == 0
        assert refusal in _last_error(relayer, setup)
    finally:
        relayer.store.close()
    assert not _delivered(setup)
    assert setup.report_received() == bytes(32)


def test_replayed_message_is_rejected_on_chain(setup: Setup) -> None:
    honest = _relayer(setup)
    try:
        assert honest.step() >= 1  # the honest relayer delivers it (and whatever else is waiting)
    finally:
        honest.store.close()
    assert _delivered(setup)
    reported = setup.report_received()
    assert reported != bytes(32)

    replaying = _relayer(setup, ReplayingRelayer)
    try:
        m = setup.message.message
        fn = replaying._delivery(replaying.chains[m.destination_chain_id], m, setup.message.l1_block)
        alpha = setup.world.chain(1)
        with pytest.raises(ChainTxError, match="AlreadyDelivered"):
            alpha.sender(USERS["dave"].l1_key).send(fn, label="replay")
        assert replaying._deliver(setup.message) == 0  # the daemon's path: rejected, then taken as delivered
    finally:
        replaying.store.close()
    assert setup.report_received() == reported


def test_a_commit_reports_each_block_and_the_relayer_delivers_the_reports_in_one_batch(
    trust_world: World,
) -> None:
    """Issue 16 goal 1: beta commits two blocks with `commitBlocksAndReport` (the operator's only): one
    report per block leaves in the commit itself. The relayer carries both to alpha in one `deliverBatch`
    transaction; a batch skips what is there already, and one unattested message fails it all."""
    world = trust_world
    alpha, beta = world.chain(1), world.chain(2)
    blocks = []
    for name in ("carol", "alice"):
        world.deposit_eth(beta, USERS[name], 10**12)
        [request] = [r for r in world.new_requests() if r.chain == 2]
        blocks.append(world.build_block(ops=[request]).number)
    after = beta.rollup.counter(Stage.COMMITTED)
    commit = stages.commit_secondary(beta.rollup, world.ledger, 2, after, world.ledger.last_block)
    assert commit is not None and commit.fn_name == "commitBlocksAndReport"
    assert expect_revert(beta.w3, DAVE.l1_key, commit, "Unauthorized")[1] == DAVE.address
    receipt = beta.tx.send(commit, label="commit")
    sent = messages_in_receipt(beta.messenger, beta.config.evm_chain_id, receipt)
    f = beta.rollup.functions
    expected = [
        bytes([REPORT, 2]) + n.to_bytes(8, "big") + bytes(f.committedSyncHash(n).call()) for n in blocks
    ]
    assert [m.payload for m in sent] == expected
    assert [m.recipient for m in sent] == [alpha.rollup.address] * 2
    assert f.lastReportedBlock().call() == blocks[-1]
    again = f.sendSyncReport(blocks[-1])  # already on its way: nothing more for the relayer to carry
    assert expect_revert(beta.w3, world.operator, again, "NothingToReport") == (blocks[-1], blocks[-1])

    m = alpha.messenger.functions
    keys, messenger = world.validators, alpha.messenger.address
    signed = [attestations(s, keys, messenger) for s in sent]
    tuples = [s.as_tuple() for s in sent]
    op = world.operator
    assert expect_revert(alpha.w3, op, m.deliverBatch(tuples, signed[:1]), "BatchLength") == (2, 1)
    unattested = m.deliverBatch(tuples, [signed[0], []])
    expect_revert(alpha.w3, op, unattested, "NotEnoughAttestations")
    assert not any(m.delivered(s.source_chain_id, s.nonce).call() for s in sent)  # the first did not stay

    log: list[GasRecord] = []
    relayer = Relayer(world.config, world.home, gas_log=log)
    try:
        relayer.step()
        ours = {(s.source_chain_id, s.nonce) for s in sent}
        hashes = {
            s.tx_hash
            for s in relayer.store.messages()
            if (s.message.source_chain_id, s.message.nonce) in ours
        }
    finally:
        relayer.store.close()
    # one transaction carried both (and any other test's report still waiting for alpha)
    [batch] = [r for r in log if r.chain == alpha.name]
    assert batch.label.startswith("deliver ") and batch.label.endswith(" reports")
    assert len(hashes) == 1 and None not in hashes
    reports = alpha.rollup.functions.syncReports
    assert [bytes(reports(2, n).call()) for n in blocks] == [e[10:] for e in expected]
    # the same batch again: both are there, so it delivers nothing, and does not revert
    assert m.deliverBatch(tuples, signed).call({"from": Account.from_key(op).address}) == 0


def test_a_stranger_who_delivers_one_report_first_does_not_spoil_the_relayers_batch(
    trust_world: World,
) -> None:
    """Attestations are public: anyone may deliver a message ahead of the relayer. The relayer's batch
    then skips that one on chain (no revert, no fallback), delivers the other, and records which it
    delivered itself."""
    world = trust_world
    alpha, beta = world.chain(1), world.chain(2)
    for name in ("bob", "carol"):
        world.deposit_eth(beta, USERS[name], 10**12)
        [request] = [r for r in world.new_requests() if r.chain == 2]
        world.build_block(ops=[request])
    after = beta.rollup.counter(Stage.COMMITTED)
    commit = stages.commit_secondary(beta.rollup, world.ledger, 2, after, world.ledger.last_block)
    assert commit is not None
    first, second = messages_in_receipt(beta.messenger, beta.config.evm_chain_id, beta.tx.send(commit))
    signed = attestations(first, world.validators, alpha.messenger.address)
    alpha.sender(DAVE.l1_key).send(alpha.messenger.functions.deliver(first.as_tuple(), signed), label="dave")

    log: list[GasRecord] = []
    relayer = Relayer(world.config, world.home, gas_log=log)
    try:
        relayer.step()
        stored = {(s.message.source_chain_id, s.message.nonce): s for s in relayer.store.messages()}
    finally:
        relayer.store.close()
    [batch] = [r for r in log if r.chain == alpha.name]  # no revert, no one-by-one fallback
    assert batch.label.startswith("deliver ") and batch.label.endswith(" reports")
    dave_s, ours = (
        stored[(first.source_chain_id, first.nonce)],
        stored[(second.source_chain_id, second.nonce)],
    )
    assert dave_s.status == ours.status == DELIVERED and dave_s.tx_hash is None and ours.tx_hash is not None
    delivered = alpha.messenger.functions.delivered
    assert (
        delivered(first.source_chain_id, first.nonce).call()
        and delivered(second.source_chain_id, second.nonce).call()
    )
