"""Validium mode (issue 15, docs/validium.md): L2 sections off chain, held by a data committee of real
member daemons; the primary accepts a block only with M of N members' signatures over it, and the proof
binds the data hash they signed. Live anvil chains, real proofs, real member processes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from web3.contract.contract import ContractFunction

from orchestrator.chain.addresses import DATA_COMMITTEE, EXITS, MESSENGER, ROLLUP
from orchestrator.chain.clients import Stage
from orchestrator.chain.deploy import rollup_implementation
from orchestrator.chain.governance import governance_facts
from orchestrator.contracts.compiler import compile_contracts
from orchestrator.dac.client import DataUnavailable, encode_signatures
from orchestrator.devnet.daemons import DaemonProcess
from orchestrator.exodus.exits import ChainExodus, exit_call
from orchestrator.exodus.restore import restore
from orchestrator.jsonrpc.client import RpcFailed, call
from orchestrator.l2.chainhash import availability_digest
from orchestrator.l2.exit import exit_claim
from orchestrator.l2.tx import Transfer, Withdraw
from orchestrator.prover.profiles import BlockProver, ExitProver
from orchestrator.settlement import stages
from orchestrator.testing.governance import schedule, timelock
from orchestrator.testing.running import member_answers
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import advance_time, deploy, expect_revert, expect_revert_as

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL = (USERS[n] for n in ("alice", "bob", "carol"))


@pytest.fixture
def world(tmp_path: Path, validium_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, validium_prover, n=3, base_chain_id=982000, committee=(2, 3)) as w:
        yield w


def _commit_calldata(world: World) -> list[bytes]:
    """The primary's publicData of every block committed so far, from the commit transactions."""
    alpha = world.primary
    out = []
    for number in range(world.deployments.chains["alpha"].deploy_block, alpha.w3.eth.block_number + 1):
        for tx in alpha.w3.eth.get_block(number, full_transactions=True)["transactions"]:
            assert not isinstance(tx, bytes)  # full transactions, not hashes
            if tx["to"] != alpha.rollup.address:
                continue
            fn, args = alpha.rollup.contract.decode_function_input(tx["input"])
            if fn.fn_name == "commitBlocks":
                out += [bytes(b["publicData"]) for b in args["blocks"]]
    return out


def _restored_root(world: World, up_to: int) -> int:
    """The root `rollup restore` rebuilds at block `up_to`, the L2 data fetched from the committee."""
    assert world.committee is not None
    return restore(
        world.primary, world.config.rollup.circuit, up_to, sections=world.committee.fetch
    ).state.root


def _restart(world: World, name: str, fault: str | None = None) -> None:
    """Start member `name` again (with a TEST-ONLY fault), on the same store."""
    world.members[name].stop()
    command = ["dac", "--member", name] + (["--test-fault", fault] if fault else [])
    assert world.committee is not None
    url = world.config.committee.member(name).url if world.config.committee else ""
    member = DaemonProcess(f"dac-{name}", world.config.path, world.home, command=command)
    world.members[name] = member.start(partial(member_answers, url))


def _sign(
    key: str, world: World, block: int, data_hash: bytes, domain: int | None = None
) -> tuple[str, bytes]:
    digest = availability_digest(world.domain if domain is None else domain, block, data_hash)
    account = Account.from_key(key)
    return account.address, bytes(account.sign_message(encode_defunct(primitive=digest)).signature)


def test_a_validium_round_settles_everywhere_without_l2_data_on_chain(world: World) -> None:
    d, beta, gamma = world, world.chain(2), world.chain(3)
    d.deposit_eth(beta, ALICE, ETHER)
    d.deposit_eth(gamma, BOB, ETHER)
    d.build_block(ops=d.new_requests())
    alice = d.state.find_account(ALICE.pkh, ALICE.address_int, 0)
    bob = d.state.find_account(BOB.pkh, BOB.address_int, 0)
    assert alice is not None and bob is not None
    transfer = Transfer(alice, bob, ETHER // 4, 0).sign(ALICE.l2_key, d.domain)
    d.build_block(transfers=[transfer])
    d.build_block(ops=[Withdraw(bob, 2, CAROL.address_int, ETHER // 2, 0).sign(BOB.l2_key, d.domain)])
    rounds = d.make_available()
    assert sorted(rounds) == [1, 2, 3] and all(len(r.signers) == 3 for r in rounds.values())
    d.settle()
    assert d.counters()["alpha"] == {
        s: 3 for s in (Stage.COMMITTED, Stage.PROVEN, Stage.SYNCHRONIZED, Stage.EXECUTED)
    }
    assert d.counters()["beta"][Stage.EXECUTED] == 3 and d.counters()["gamma"][Stage.EXECUTED] == 1
    assert beta.rollup.functions.pendingBalances(CAROL.address, 0).call() == ETHER // 2
    # The primary's commits carry each block's data hash, never its L2 records.
    committed = b"".join(_commit_calldata(d))
    for n in (1, 2, 3):
        block = d.ledger.block(n)
        assert hashlib.sha256(block.l2_section).digest() in committed
    assert d.ledger.block(2).l2_records[0].encode() not in committed

    # Restore needs only one member: with two of three down it rebuilds the state the chain stores.
    assert d.committee is not None
    for name in ("dac1", "dac2"):
        d.members[name].stop()
    assert _restored_root(d, 3) == d.state.root
    # A member killed with kill -9 after signing still serves what it signed when it restarts.
    d.members["dac3"].kill()
    _restart(d, "dac1")
    _restart(d, "dac3")
    d.members["dac1"].stop()
    assert _restored_root(d, 3) == d.state.root
    # With every member down, restore names the blocks whose data is missing.
    d.members["dac3"].stop()
    with pytest.raises(DataUnavailable, match=r"block\(s\) 1, 2, 3 .*cannot be rebuilt past block 0"):
        restore(d.primary, d.config.rollup.circuit, 3, sections=d.committee.fetch)


def test_commit_refuses_what_the_committee_did_not_sign(world: World) -> None:
    d, alpha = world, world.primary
    committee = d.config.committee
    assert committee is not None
    keys = {m.address: m.key for m in committee.members}
    d.deposit_eth(alpha, ALICE, ETHER)
    block = d.build_block(ops=d.new_requests())
    data_hash = hashlib.sha256(block.l2_section).digest()
    signed = dict(_sign(k, d, 1, data_hash) for k in keys.values())
    ordered = sorted(signed, key=lambda a: int(a, 16))

    def commit_with(signatures: bytes) -> ContractFunction:
        d.ledger.set_availability(1, signatures)
        return stages.commit_primary(alpha.rollup, d.ledger, 0, 1)

    one = {ordered[0]: signed[ordered[0]]}
    assert expect_revert(alpha.w3, d.operator, commit_with(encode_signatures(one)), "TooFewSignatures") == (
        2,
        1,
    )
    outsider, outsider_sig = _sign("0x" + "e5" * 32, d, 1, data_hash)
    two = encode_signatures({ordered[0]: signed[ordered[0]], outsider: outsider_sig})
    assert expect_revert(alpha.w3, d.operator, commit_with(two), "NotACommitteeMember") == (outsider,)
    twice = bytes([2]) + signed[ordered[0]] * 2
    args = expect_revert(alpha.w3, d.operator, commit_with(twice), "SignersNotAscending")
    assert args == (ordered[0], ordered[0])
    other_block = dict(_sign(keys[a], d, 2, data_hash) for a in ordered[:2])
    args = expect_revert(
        alpha.w3, d.operator, commit_with(encode_signatures(other_block)), "NotACommitteeMember"
    )
    assert args[0] not in keys  # a digest of another block recovers to some other address
    elsewhere = dict(_sign(keys[a], d, 1, data_hash, d.domain + 1) for a in ordered[:2])  # another deployment
    args = expect_revert(
        alpha.w3, d.operator, commit_with(encode_signatures(elsewhere)), "NotACommitteeMember"
    )
    assert args[0] not in keys
    # Two members' signatures over this block are enough, and the block commits.
    d.ledger.set_availability(1, encode_signatures({a: signed[a] for a in ordered[1:]}))
    d.runner.commit(d.ledger)
    assert alpha.rollup.counter(Stage.COMMITTED) == 1


def test_the_sequencer_skips_down_slow_and_lying_members_and_restore_rejects_wrong_data(world: World) -> None:
    d, beta = world, world.chain(2)
    assert d.committee is not None
    d.members["dac1"].stop()  # down
    _restart(d, "dac2", "slow")  # answers after the sequencer's timeout
    d.deposit_eth(beta, ALICE, ETHER)
    d.build_block(ops=d.new_requests())
    [gathered] = d.make_available().values()
    assert gathered.signatures is None and gathered.signers == ["dac3"]
    assert set(gathered.problems) == {"dac1", "dac2"}
    d.commit()
    assert d.primary.rollup.counter(Stage.COMMITTED) == 0  # never without availability
    # A member that signs without storing still counts on chain (its signature is valid), but it cannot
    # serve the data later; one that serves wrong data is caught by the hash.
    _restart(d, "dac1", "sign-without-storing")
    _restart(d, "dac2", "wrong-data")
    d.settle()
    assert d.primary.rollup.counter(Stage.EXECUTED) == 1
    d.members["dac3"].stop()
    with pytest.raises(DataUnavailable, match=r"dac1: .*no data under.*dac2: served data of another hash"):
        restore(d.primary, d.config.rollup.circuit, 1, sections=d.committee.fetch)
    _restart(d, "dac3")
    assert _restored_root(d, 1) == d.state.root


def test_exodus_exits_from_the_state_the_committee_serves(world: World) -> None:
    """The way out in Validium mode: the operator stops, anyone starts exodus, the state at R is rebuilt
    from the primary's records and the committee's L2 data, and an owner exits with a real exit proof."""
    d, alpha, beta = world, world.chain(1), world.chain(2)
    assert d.committee is not None
    d.deposit_eth(alpha, ALICE, ETHER)
    d.deposit_eth(alpha, BOB, ETHER)
    d.build_block(ops=d.new_requests())
    transfer = Transfer(0, 1, 3 * ETHER // 10, 0).sign(ALICE.l2_key, d.domain)  # only the committee has it
    d.build_block(transfers=[transfer])
    d.settle()
    beta.sender(BOB.l1_key).send(beta.rollup.functions.requestFullExit(1, 0), label="full exit")
    advance_time(beta.w3, d.config.rollup.priority_expiration_seconds + 1)
    beta.sender(CAROL.l1_key).send(beta.rollup.functions.activateExodus(), label="activate exodus")
    assert d.relay() == 1 and d.relay() == 2
    assert ChainExodus.read(alpha) == ChainExodus(True, True, 2, True)
    d.members["dac1"].stop()  # one member is enough
    restored = restore(alpha, d.config.rollup.circuit, 2, sections=d.committee.fetch)
    bob = exit_claim(restored.state, 1)
    assert bob.leaf.balance == 13 * ETHER // 10  # the transfer the chain never saw is in it
    proof = ExitProver("test").prove(bob)
    alpha.sender(BOB.l1_key).send(exit_call(alpha, restored.stored, bob, proof, {1: bob.leaf.balance}))
    assert alpha.rollup.pending_balance(BOB.address, 0) == 13 * ETHER // 10


def test_the_committee_changes_only_through_the_timelock_and_the_mode_never(world: World) -> None:
    d, alpha = world, world.primary
    keys = d.config.keys
    address = d.deployments.chains["alpha"].contracts[DATA_COMMITTEE].address
    artifact = compile_contracts()[DATA_COMMITTEE]
    committee = alpha.w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)
    f = committee.functions
    assert f.owner().call() == timelock(alpha).address
    deployer, governor = (Account.from_key(k).address for k in (keys.deployer, keys.governor))
    window = d.config.rollup.priority_expiration_seconds
    facts = {fact.what: fact for fact in governance_facts(alpha, timelock(alpha), deployer, governor, window)}
    assert facts["data committee owner"].safe and facts["data committee"].value.startswith("2 of 3")
    assert d.config.committee is not None
    assert f.committee().call() == [d.config.committee.addresses, 2]
    newcomers = sorted((Account.create().address for _ in range(2)), key=lambda a: int(a, 16))
    # Nobody else: not the deployer, not the operator, not the governor without the timelock.
    for key in (keys.deployer, keys.operator, keys.governor):
        expect_revert(alpha.w3, key, f.setCommittee(newcomers, 1), "OwnableUnauthorizedAccount")
    # What the timelock itself would refuse: no members, a threshold of 0 or above N, unsorted members.
    owner = timelock(alpha).address
    assert expect_revert_as(owner, f.setCommittee([], 1), "CommitteeSize") == (255, 0)
    assert expect_revert_as(owner, f.setCommittee(newcomers, 0), "InvalidThreshold") == (2, 0)
    assert expect_revert_as(owner, f.setCommittee(newcomers, 3), "InvalidThreshold") == (2, 3)
    backwards = list(reversed(newcomers))
    assert expect_revert_as(owner, f.setCommittee(backwards, 1), "SignersNotAscending") == tuple(backwards)
    # Scheduled by the governor, it lands only after the delay; then the old members no longer count.
    operation = schedule(alpha, keys.governor, [f.setCommittee(newcomers, 2)])
    early = operation.execute(timelock(alpha))
    expect_revert(alpha.w3, keys.deployer, early, "TimelockUnexpectedOperationState")
    advance_time(alpha.w3, d.config.rollup.governance_delay_seconds + 1)
    alpha.sender(keys.deployer).send(operation.execute(timelock(alpha)), label="execute")
    assert f.committee().call() == [newcomers, 2]
    assert not f.isMember(d.config.committee.addresses[0]).call()
    # An upgrade may not turn the deployment into rollup mode, whose commits carry no signatures.
    contracts = alpha.deployment.contracts
    at = {key: contract.address for key, contract in contracts.items()}
    _, args = rollup_implementation(d.config, d.config.primary, at[MESSENGER], at[EXITS], at[ROLLUP])
    rollup_mode = deploy(alpha.w3, keys.deployer, "PrimaryRollup", *args[:-1])  # all but the committee
    upgrade = alpha.rollup.functions.upgradeToAndCall(rollup_mode.address, b"")
    assert expect_revert_as(owner, upgrade, "DataModeMismatch") == (1, 0)


def test_a_member_refuses_bad_input_and_strangers_and_changes_nothing(world: World) -> None:
    committee = world.config.committee
    assert committee is not None
    url = committee.member("dac1").url
    section = bytes(range(28))  # two 14-byte L2 records
    good_hash = "0x" + hashlib.sha256(section).hexdigest()
    # Only the operator may ask a member to store and sign: its EIP-191 signature over the same digest.
    _, asked = _sign(world.config.keys.operator, world, 1, hashlib.sha256(section).digest())
    stranger = _sign("0x" + "e5" * 32, world, 1, hashlib.sha256(section).digest())[1]
    request = "0x" + asked.hex()
    before = call(url, "dac_health", daemon="dac1")
    for params, fragment in (
        ([1, "0x" + section.hex(), "0x" + "00" * 32, request], "is not the data's sha256"),
        ([1, "0x" + section[:14].hex(), good_hash, request], "must be 28 bytes"),
        ([1, "0xzz", good_hash, request], "0x-prefixed hex"),
        ([0, "0x" + section.hex(), good_hash, request], "block_number"),
        ([True, "0x" + section.hex(), good_hash, request], "block_number"),
        ([1, "0x" + section.hex(), good_hash[:-2], request], "must be 32 bytes"),
        ([1, "0x" + section.hex(), good_hash, "0x" + stranger.hex()], "not by the operator"),
        ([1, "0x" + section.hex(), good_hash, "0x" + "00" * 65], "not by the operator"),
        ([2, "0x" + section.hex(), good_hash, request], "not by the operator"),  # asked for block 1
        ([1, "0x" + section.hex(), good_hash], "bad params"),
    ):
        with pytest.raises(RpcFailed, match=fragment):
            call(url, "dac_store", *params, daemon="dac1")
    with pytest.raises(RpcFailed, match="no data under"):
        call(url, "dac_get", good_hash, daemon="dac1")
    assert call(url, "dac_health", daemon="dac1") == before  # nothing stored, nothing signed
    answer = call(url, "dac_store", 1, "0x" + section.hex(), good_hash, request, daemon="dac1")
    assert answer["signer"] == committee.member("dac1").address
    assert call(url, "dac_get", good_hash, daemon="dac1") == {"data": "0x" + section.hex()}
