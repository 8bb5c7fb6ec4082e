"""Governance on live chains (issue 14 point 1, docs/security.md): each chain's TimelockController owns its
rollup and messenger; every change waits out a delay longer than the exodus window, none lands in exodus;
ownership moves in two steps; a guardian pauses deposits and commits only, for a bounded time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from orchestrator.chain.addresses import MESSENGER
from orchestrator.chain.clients import MessengerClient
from orchestrator.chain.governance import Operation
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.governance import enact, schedule, timelock
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import advance_time, expect_revert, transact
from tests.helpers import run_rollup

pytestmark = pytest.mark.integration

ALICE, DAVE = USERS["alice"], USERS["dave"]


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, test_prover, n=2, base_chain_id=976000) as w:
        yield w


def _address(key: str) -> str:
    return str(Account.from_key(key).address)


def test_no_key_changes_a_chain_at_once(world: World) -> None:
    """The deployer and the governor hold no instant power: the timelock owns rollups and messengers, its
    delay is longer than the exodus window, and the deployer kept none of its roles."""
    keys, rollup_config = world.config.keys, world.config.rollup
    assert rollup_config.governance_delay_seconds > rollup_config.priority_expiration_seconds
    for chain in world.chains.values():
        t = timelock(chain)
        messenger = MessengerClient(chain.w3, chain.deployment.contracts[MESSENGER].address)
        assert chain.rollup.functions.owner().call() == t.address
        assert messenger.functions.owner().call() == t.address
        assert t.functions.getMinDelay().call() == rollup_config.governance_delay_seconds
        proposer, executor = t.functions.PROPOSER_ROLE().call(), t.functions.EXECUTOR_ROLE().call()
        assert not t.functions.hasRole(proposer, _address(keys.deployer)).call()
        assert not t.functions.hasRole(executor, _address(keys.deployer)).call()
        assert t.functions.hasRole(proposer, _address(keys.governor)).call()
        f = chain.rollup.functions
        for key in (keys.deployer, keys.governor):
            for call in (
                f.setOperator(DAVE.address),
                f.setPeer(9, 1, DAVE.address),
                f.setGuardian(DAVE.address),
            ):
                expect_revert(chain.w3, key, call, "OwnableUnauthorizedAccount")
            expect_revert(chain.w3, key, f.upgradeToAndCall(DAVE.address, b""), "OwnableUnauthorizedAccount")
            validators = messenger.functions.setValidators([DAVE.address], 1)
            expect_revert(chain.w3, key, validators, "OwnableUnauthorizedAccount")
    primary = world.primary.rollup.functions
    expect_revert(
        world.primary.w3, keys.deployer, primary.setVerifier(DAVE.address), "OwnableUnauthorizedAccount"
    )


def test_a_change_lands_only_after_the_delay(world: World) -> None:
    keys, alpha = world.config.keys, world.primary
    t = timelock(alpha)
    new_operator = alpha.rollup.functions.setOperator(DAVE.address)
    operation = schedule(alpha, keys.governor, [new_operator])
    execute = operation.execute(t)
    expect_revert(alpha.w3, DAVE.l1_key, execute, "TimelockUnexpectedOperationState")
    # The exodus window passing is not enough.
    advance_time(alpha.w3, world.config.rollup.priority_expiration_seconds + 1)
    expect_revert(alpha.w3, DAVE.l1_key, execute, "TimelockUnexpectedOperationState")
    # A shorter delay cannot be asked for, and an outsider cannot propose.
    short = Operation.new(list(operation.calls)).schedule(t, 60)
    expect_revert(alpha.w3, keys.governor, short, "TimelockInsufficientDelay")
    expect_revert(alpha.w3, DAVE.l1_key, short, "AccessControlUnauthorizedAccount")
    advance_time(alpha.w3, world.config.rollup.governance_delay_seconds)
    transact(alpha.w3, DAVE.l1_key, execute)  # anyone executes a ready change
    assert alpha.rollup.functions.operator().call() == DAVE.address


def test_no_change_lands_in_exodus(world: World) -> None:
    """Users who saw a change coming and forced exodus before it landed keep the contracts they chose to
    leave with: a change that became ready later is refused, the code's too."""
    keys, alpha = world.config.keys, world.primary
    f = alpha.rollup.functions
    replacement = world.deployments.chains[alpha.name].contracts
    fns = [f.setVerifier(DAVE.address)]
    upgrade = f.upgradeToAndCall(Web3.to_checksum_address(replacement["Rollup implementation"].address), b"")
    operation = schedule(alpha, keys.governor, fns)
    upgrade_op = schedule(alpha, keys.governor, [upgrade])
    # Alice deposits; the operator never serves her request; anyone starts exodus after the deadline.
    alpha.sender(ALICE.l1_key).send(
        f.depositETH(ALICE.pkh_bytes, ALICE.address), value=ETHER, label="deposit"
    )
    advance_time(alpha.w3, world.config.rollup.priority_expiration_seconds + 1)
    transact(alpha.w3, DAVE.l1_key, f.activateExodus())
    advance_time(alpha.w3, world.config.rollup.governance_delay_seconds)
    t = timelock(alpha)
    expect_revert(alpha.w3, DAVE.l1_key, operation.execute(t), "ExodusActive")
    expect_revert(alpha.w3, DAVE.l1_key, upgrade_op.execute(t), "ExodusActive")
    messenger = MessengerClient(alpha.w3, alpha.deployment.contracts[MESSENGER].address)
    validators = schedule(alpha, keys.governor, [messenger.functions.setValidators([DAVE.address], 1)])
    advance_time(alpha.w3, world.config.rollup.governance_delay_seconds + 1)
    expect_revert(alpha.w3, DAVE.l1_key, validators.execute(t), "ExodusActive")


def test_ownership_moves_in_two_steps(world: World) -> None:
    """A rollup's owner can be rotated (to a new timelock, say), through the delay, and only to an owner
    that accepts."""
    keys, beta = world.config.keys, world.chain(2)
    f = beta.rollup.functions
    enact(beta, keys.governor, DAVE.l1_key, [f.transferOwnership(DAVE.address)])
    assert f.pendingOwner().call() == DAVE.address
    assert f.owner().call() == timelock(beta).address  # nothing changed yet
    expect_revert(beta.w3, ALICE.l1_key, f.acceptOwnership(), "OwnableUnauthorizedAccount")
    transact(beta.w3, DAVE.l1_key, f.acceptOwnership())
    assert f.owner().call() == DAVE.address


def test_the_guardian_pauses_deposits_and_commits_only_and_not_for_long(world: World) -> None:
    keys, beta = world.config.keys, world.primary
    f = beta.rollup.functions
    pause_s = world.config.rollup.pause_seconds
    expect_revert(beta.w3, DAVE.l1_key, f.pause(), "Unauthorized")
    transact(beta.w3, keys.guardian, f.pause())
    until = f.pausedUntil().call()
    assert expect_revert(
        beta.w3, ALICE.l1_key, f.depositETH(ALICE.pkh_bytes, ALICE.address), "RollupPaused", ETHER
    ) == (until,)
    # What users need to leave is never paused: full-exit requests, exodus, payouts.
    transact(beta.w3, ALICE.l1_key, f.requestFullExit(0, 0))
    expect_revert(beta.w3, DAVE.l1_key, f.activateExodus(), "ExodusNotDue")
    expect_revert(beta.w3, DAVE.l1_key, f.withdrawPendingBalance(DAVE.address, 0), "NothingPending")
    # The operator's commit is refused while paused.
    world.build_block(ops=[])
    with pytest.raises(Exception, match="RollupPaused"):
        world.commit()
    # The pause ends on its own; the guardian may not start the next one until as long again has passed.
    advance_time(beta.w3, pause_s)
    transact(beta.w3, ALICE.l1_key, f.depositETH(ALICE.pkh_bytes, ALICE.address), ETHER)
    args = expect_revert(beta.w3, keys.guardian, f.pause(), "PauseCoolingDown")
    assert args[0] == until + pause_s
    advance_time(beta.w3, pause_s)
    transact(beta.w3, keys.guardian, f.pause())
    transact(beta.w3, keys.guardian, f.unpause())  # and may end it early
    transact(beta.w3, ALICE.l1_key, f.depositETH(ALICE.pkh_bytes, ALICE.address), ETHER)


def test_governance_status_checks_the_trust_model(world: World) -> None:
    """`rollup governance status` passes on a fresh deployment and flags a timelock whose delay a
    governance vote shortened below the exodus window."""
    config, home = world.config.path, world.home
    ok = run_rollup("governance", "status", config=config, home=home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "UNSAFE" not in ok.stdout and "longer than the exodus window" in ok.stdout
    beta = world.chain(2)
    enact(beta, world.config.keys.governor, DAVE.l1_key, [timelock(beta).functions.updateDelay(60)])
    flagged = run_rollup("governance", "status", config=config, home=home)
    assert flagged.returncode == 1
    assert "UNSAFE" in flagged.stdout and "1 findings break the trust model" in flagged.stdout
