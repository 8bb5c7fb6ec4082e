"""Upgrades on live chains (issue 14 point 2, docs/security.md): a deployment mid-life gets new rollup and
messenger implementations through each chain's timelock. Balances, queues, counters and stored blocks
survive, and the next round settles on the new code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from orchestrator.chain.addresses import EXITS, MESSENGER, ROLLUP
from orchestrator.chain.clients import MessengerClient, Stage
from orchestrator.chain.deploy import rollup_implementation
from orchestrator.chain.governance import implementation_of
from orchestrator.chain.handle import Chain
from orchestrator.l2.tx import Withdraw
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.governance import enact
from orchestrator.testing.users import ETHER, USERS
from orchestrator.testing.world import World, settlement_world
from tests.chain import deploy, expect_revert, expect_revert_as

pytestmark = pytest.mark.integration

ALICE, BOB, CAROL, DAVE = (USERS[n] for n in ("alice", "bob", "carol", "dave"))


@pytest.fixture
def world(tmp_path: Path, test_prover: BlockProver) -> Iterator[World]:
    with settlement_world(tmp_path, test_prover, n=2, base_chain_id=977000) as w:
        yield w


def _snapshot(chain: Chain, blocks: int) -> dict[str, Any]:
    f = chain.rollup.functions
    return {
        "counters": chain.rollup.counters(),
        "queue": (f.firstPriorityRequestId().call(), f.nextPriorityRequestId().call()),
        "stored": [bytes(f.storedBlockHashes(n).call()) for n in range(blocks + 1)],
        "pending": [f.pendingBalances(u.address, 0).call() for u in (ALICE, BOB)],
        "vault": f.vault(0).call(),
        "roles": (f.owner().call(), f.operator().call(), f.guardian().call()),
        "balance": chain.w3.eth.get_balance(chain.rollup.address),
    }


def _new_implementations(world: World, chain: Chain) -> tuple[str, str]:
    """Fresh rollup and messenger implementations for `chain`'s live proxies (the same code here: what
    matters is that the proxies switch to them and keep their state)."""
    contracts = chain.deployment.contracts
    exits = contracts[EXITS].address if EXITS in contracts else ""
    name, args = rollup_implementation(
        world.config,
        world.config.chain(chain.name),
        contracts[MESSENGER].address,
        exits,
        contracts[ROLLUP].address,
    )
    deployer = world.config.keys.deployer
    rollup = deploy(chain.w3, deployer, name, *args)
    messenger = deploy(chain.w3, deployer, "AttestedMessenger")
    return rollup.address, messenger.address


def test_a_live_deployment_upgrades_and_settles_on(world: World) -> None:
    d, keys = world, world.config.keys
    alpha, beta = d.chain(1), d.chain(2)
    d.deposit_eth(alpha, ALICE, ETHER)
    d.deposit_eth(beta, BOB, ETHER)
    requests = {(r.chain, r.serial): r for r in d.new_requests()}
    d.build_block(ops=[requests[(1, 0)], requests[(2, 0)]])
    d.build_block(ops=[Withdraw(1, 2, BOB.address_int, ETHER // 10, 0).sign(BOB.l2_key, d.domain)])
    d.settle()
    d.deposit_eth(beta, CAROL, ETHER)  # still queued across the upgrade
    before = {c.name: _snapshot(c, 2) for c in (alpha, beta)}
    assert before["beta"]["pending"][1] == ETHER // 10 and before["beta"]["queue"] == (1, 2)

    for chain in (alpha, beta):
        rollup_impl, messenger_impl = _new_implementations(d, chain)
        rollup = chain.rollup.functions
        messenger = MessengerClient(chain.w3, chain.deployment.contracts[MESSENGER].address).functions
        direct = rollup.upgradeToAndCall(rollup_impl, b"")
        expect_revert(chain.w3, keys.deployer, direct, "OwnableUnauthorizedAccount")
        calls = [direct, messenger.upgradeToAndCall(messenger_impl, b"")]
        enact(chain, keys.governor, DAVE.l1_key, calls)
        assert implementation_of(chain.w3, chain.rollup.address) == Web3.to_checksum_address(rollup_impl)
        assert implementation_of(
            chain.w3, chain.deployment.contracts[MESSENGER].address
        ) == Web3.to_checksum_address(messenger_impl)
        assert _snapshot(chain, 2) == before[chain.name]

    # The next round settles on the new code: Carol's queued deposit goes through on every chain.
    [carol] = [r for r in d.new_requests() if r.chain == 2]
    d.build_block(ops=[carol])
    d.settle()
    for chain in (alpha, beta):
        assert chain.rollup.counter(Stage.EXECUTED) == 3
    assert beta.rollup.functions.firstPriorityRequestId().call() == 2


def test_an_upgrade_must_keep_the_domain_and_mode_and_be_upgradeable(world: World) -> None:
    """A primary implementation built for another proxy would change the domain every L2 signature and
    proof binds; a Validium primary would stop taking the L2 data this deployment's proofs bind; a
    contract that is not UUPS would end upgrades for good. All are refused."""
    d, keys, alpha = world, world.config.keys, world.primary
    contracts = alpha.deployment.contracts
    name, args = rollup_implementation(
        d.config, d.config.primary, contracts[MESSENGER].address, contracts[EXITS].address, DAVE.address
    )
    wrong_domain = deploy(alpha.w3, keys.deployer, name, *args)
    at = {key: contract.address for key, contract in contracts.items()}
    _, args = rollup_implementation(d.config, d.config.primary, at[MESSENGER], at[EXITS], at[ROLLUP])
    validium = deploy(alpha.w3, keys.deployer, "ValidiumPrimaryRollup", *args, DAVE.address)
    beta = d.chain(2)
    cases = (
        (alpha, wrong_domain.address, "DomainMismatch", None),
        (alpha, validium.address, "DataModeMismatch", (0, 1)),  # expected rollup (0), got Validium (1)
        (beta, beta.token("USDC").address, "ERC1967InvalidImplementation", None),
    )
    for chain, implementation, error, expected in cases:
        upgrade = chain.rollup.functions.upgradeToAndCall(implementation, b"")
        # Only the timelock gets past onlyOwner: the check is what its call would meet.
        refused = expect_revert_as(chain.rollup.functions.owner().call(), upgrade, error)
        assert expected is None or refused == expected
