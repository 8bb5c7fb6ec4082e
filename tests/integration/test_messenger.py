"""AttestedMessenger on two live chains: M-of-N delivery, and every way a delivery must fail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from eth_account import Account
from web3 import Web3
from web3.contract import Contract

from orchestrator.chain.connect import connect
from orchestrator.config import DeploymentConfig, load_config
from orchestrator.devnet.launcher import LocalNodes
from orchestrator.messaging.attest import Message, attestations, message_digest
from orchestrator.messaging.relay import messages_in_receipt
from tests.chain import deploy, deploy_proxied, expect_revert, transact
from tests.helpers import write_devnet

pytestmark = pytest.mark.integration

OUTSIDER = "0x" + "77" * 32  # TEST-ONLY key of someone who is not a validator


@dataclass
class Bridge:
    config: DeploymentConfig
    a: Web3
    b: Web3
    messenger_a: Contract
    messenger_b: Contract
    receiver_a: Contract  # chain A's "rollup"
    receiver_b: Contract  # chain B's "rollup"
    keys: list[str]  # validator keys, threshold 2 of 3


@pytest.fixture(scope="module")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    tmp = tmp_path_factory.mktemp("messenger")
    path, _ = write_devnet(tmp, n=2, base_chain_id=930000)
    config = load_config(path)
    keys = [("0x" + f"{i:02x}" * 32) for i in (0x11, 0x22, 0x33)]
    validators = [Account.from_key(k).address for k in keys]
    deployer = config.keys.deployer
    owner = Account.from_key(deployer).address  # an account, not a timelock, in these tests
    with LocalNodes(config, tmp / "home"):
        a, b = connect(config.chains[0]), connect(config.chains[1])
        # Receivers stand in for each chain's rollup: the only sender and recipient a messenger knows, and
        # the exodus flag that freezes it.
        receiver_a, receiver_b = (
            deploy(a, deployer, "RecordingReceiver"),
            deploy(b, deployer, "RecordingReceiver"),
        )
        yield Bridge(
            config,
            a,
            b,
            deploy_proxied(a, deployer, "AttestedMessenger", [], [validators, 2, owner, receiver_a.address]),
            deploy_proxied(b, deployer, "AttestedMessenger", [], [validators, 2, owner, receiver_b.address]),
            receiver_a,
            receiver_b,
            keys,
        )


def _send(bridge: Bridge, payload: bytes, recipient: str | None = None) -> Message:
    """Send on chain A from its "rollup" and rebuild the message from the MessageSent event, as the
    relayer does."""
    key = bridge.config.keys.operator
    to = recipient or bridge.receiver_b.address
    send = bridge.receiver_a.functions.sendVia(bridge.messenger_a.address, bridge.b.eth.chain_id, to, payload)
    receipt = transact(bridge.a, key, send)
    [message] = messages_in_receipt(bridge.messenger_a, bridge.a.eth.chain_id, receipt)
    return message


def test_digest_matches_the_contract(bridge: Bridge) -> None:
    # The domain's chain id is where the messenger runs: the message's destination.
    message = Message(
        1, bridge.b.eth.chain_id, 3, bridge.receiver_b.address, bridge.receiver_b.address, b"hello"
    )
    assert bytes(bridge.messenger_b.functions.digest(message.as_tuple()).call()) == message_digest(
        message, bridge.messenger_b.address
    )


def test_delivery_with_threshold_attestations_then_replay_refused(bridge: Bridge) -> None:
    message = _send(bridge, b"sync hash report")
    relayer = bridge.config.keys.deployer  # anyone may relay
    deliver = bridge.messenger_b.functions.deliver(
        message.as_tuple(), attestations(message, bridge.keys[:2], bridge.messenger_b.address)
    )
    receiver = bridge.receiver_b.functions
    count = receiver.count().call()  # other tests of the module may have delivered before
    transact(bridge.b, relayer, deliver)
    assert receiver.count().call() == count + 1
    assert receiver.lastSourceChainId().call() == bridge.a.eth.chain_id
    assert receiver.lastSender().call() == bridge.receiver_a.address  # A's "rollup"
    assert receiver.lastPayload().call() == b"sync hash report"
    assert bridge.messenger_b.functions.delivered(message.source_chain_id, message.nonce).call()
    args = expect_revert(bridge.b, relayer, deliver, "AlreadyDelivered")
    assert args == (message.source_chain_id, message.nonce)


def test_failures_each_name_their_error(bridge: Bridge) -> None:
    message = _send(bridge, b"payload")
    relayer = bridge.config.keys.deployer
    m = bridge.messenger_b.functions
    good = attestations(message, bridge.keys[1:], bridge.messenger_b.address)
    # only at its destination
    wrong_chain = bridge.messenger_a.functions.deliver(message.as_tuple(), good)
    assert expect_revert(bridge.a, relayer, wrong_chain, "WrongDestination") == (
        bridge.a.eth.chain_id,
        bridge.b.eth.chain_id,
    )
    # unattested, or below the threshold
    assert expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), []), "NotEnoughAttestations") == (
        2,
        0,
    )
    expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), good[:1]), "NotEnoughAttestations")
    # a relayer that alters the payload: the signatures recover to strangers
    altered = replace(message, payload=b"payload, altered")
    expect_revert(bridge.b, relayer, m.deliver(altered.as_tuple(), good), "UnknownValidator")
    # a non-validator's attestation
    mixed = attestations(message, [bridge.keys[0], OUTSIDER], bridge.messenger_b.address)
    expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), mixed), "UnknownValidator")
    # one validator counted twice
    twice = [good[0], good[0]]
    expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), twice), "SignersNotAscending")
    # the malleable twin of a valid signature (s -> n - s, v flipped)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(good[0][32:64], "big")
    twin = good[0][:32] + (n - s).to_bytes(32, "big") + bytes([55 - good[0][64]])
    expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), [twin, good[1]]), "MalleableSignature")
    # a receiver that reverts: nothing is marked delivered, a later retry succeeds
    transact(bridge.b, relayer, bridge.receiver_b.functions.setFailNext(True))
    expect_revert(bridge.b, relayer, m.deliver(message.as_tuple(), good), "ReceiverFailed")
    transact(bridge.b, relayer, bridge.receiver_b.functions.setFailNext(False))
    transact(bridge.b, relayer, m.deliver(message.as_tuple(), good))


def test_validator_set_is_owned(bridge: Bridge) -> None:
    owner, outsider = bridge.config.keys.deployer, bridge.config.keys.operator
    m = bridge.messenger_b.functions
    new_set = [Account.from_key(k).address for k in bridge.keys[1:]]
    expect_revert(bridge.b, outsider, m.setValidators(new_set, 1), "OwnableUnauthorizedAccount")
    expect_revert(bridge.b, owner, m.setValidators(new_set, 3), "InvalidValidatorSet")
    expect_revert(bridge.b, owner, m.setValidators([new_set[0], new_set[0]], 1), "InvalidValidatorSet")
    transact(bridge.b, owner, m.setValidators(new_set, 1))
    try:
        message = _send(bridge, b"after rotation")
        removed = attestations(message, bridge.keys[:1], bridge.messenger_b.address)
        expect_revert(bridge.b, owner, m.deliver(message.as_tuple(), removed), "UnknownValidator")
        transact(
            bridge.b,
            owner,
            m.deliver(
                message.as_tuple(), attestations(message, bridge.keys[1:2], bridge.messenger_b.address)
            ),
        )
    finally:
        all_validators = [Account.from_key(k).address for k in bridge.keys]
        transact(bridge.b, owner, m.setValidators(all_validators, 2))


def test_validators_and_code_are_frozen_once_the_rollup_is_in_exodus(bridge: Bridge) -> None:
    """Exits then depend on exodus messages and payouts the validators attest: nobody may swap them, nor
    the code that checks them."""
    owner = bridge.config.keys.deployer
    m = bridge.messenger_b.functions
    all_validators = [Account.from_key(k).address for k in bridge.keys]
    transact(bridge.b, owner, bridge.receiver_b.functions.setExodusActive(True))
    try:
        expect_revert(bridge.b, owner, m.setValidators(all_validators, 1), "ExodusActive")
        implementation = deploy(bridge.b, owner, "AttestedMessenger")
        expect_revert(bridge.b, owner, m.upgradeToAndCall(implementation.address, b""), "ExodusActive")
    finally:
        transact(bridge.b, owner, bridge.receiver_b.functions.setExodusActive(False))


def test_messages_go_from_rollup_to_rollup_only(bridge: Bridge) -> None:
    """The relayer pays every delivery: nobody but a chain's rollup may send, and a delivery runs nothing
    but the destination's rollup (issue 14 point 3: an outsider made the relayer pay 13.5M gas)."""
    outsider = bridge.config.keys.operator
    direct = bridge.messenger_a.functions.send(bridge.b.eth.chain_id, bridge.receiver_b.address, b"spam")
    args = expect_revert(bridge.a, outsider, direct, "Unauthorized")
    assert args == (bridge.receiver_a.address, Account.from_key(outsider).address)
    elsewhere = Account.create().address
    message = _send(bridge, b"to someone else", recipient=elsewhere)
    deliver = bridge.messenger_b.functions.deliver(
        message.as_tuple(), attestations(message, bridge.keys[:2], bridge.messenger_b.address)
    )
    assert expect_revert(bridge.b, outsider, deliver, "Unauthorized") == (
        bridge.receiver_b.address,
        elsewhere,
    )
    assert bridge.messenger_b.functions.DELIVERY_GAS().call() == 1_000_000


def test_an_attestation_is_good_for_one_messenger_only(bridge: Bridge) -> None:
    """The digest is EIP-712 in the destination messenger's domain (issue 14 point 4): signatures made for
    another messenger (another deployment's, say) recover to strangers here."""
    message = _send(bridge, b"domain bound")
    other = Account.create().address  # any other messenger address
    foreign = attestations(message, bridge.keys[:2], other)
    deliver = bridge.messenger_b.functions.deliver(message.as_tuple(), foreign)
    expect_revert(bridge.b, bridge.config.keys.deployer, deliver, "UnknownValidator")
    assert message_digest(message, other) != message_digest(message, bridge.messenger_b.address)
