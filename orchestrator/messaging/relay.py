"""Messages as the messengers announce them (`MessageSent`), and the `deliver` call that carries one.

The relayer daemon (orchestrator/relayer) reads and delivers with these, a store and retries; tests build
deliveries by hand to show what the destination refuses. The relayer is untrusted: `deliver` checks the
validators' signatures, not who calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD

from orchestrator.chain.clients import MessengerClient
from orchestrator.messaging.attest import Message, attestations


def message_from_event(source_chain_id: int, args: Mapping[str, Any]) -> Message:
    """The message a `MessageSent` event on chain `source_chain_id` announces."""
    return Message(
        source_chain_id,
        int(args["destinationChainId"]),
        int(args["nonce"]),
        str(args["sender"]),
        str(args["recipient"]),
        bytes(args["payload"]),
    )


def sent_messages(
    messenger: MessengerClient | Contract, source_chain_id: int, from_block: int, to_block: int
) -> list[Message]:
    """Messages sent through `messenger` in L1 blocks from_block..to_block, by nonce."""
    logs = messenger.events.MessageSent().get_logs(from_block=from_block, to_block=to_block)
    return sorted((message_from_event(source_chain_id, log["args"]) for log in logs), key=lambda m: m.nonce)


def messages_in_receipt(
    messenger: MessengerClient | Contract, source_chain_id: int, receipt: Any
) -> list[Message]:
    """Messages a transaction sent (its receipt also holds other contracts' events: skip those)."""
    events = messenger.events.MessageSent().process_receipt(receipt, errors=DISCARD)
    return [message_from_event(source_chain_id, e["args"]) for e in events]


def delivery(
    destination_messenger: MessengerClient | Contract, message: Message, validator_keys: Sequence[str]
) -> ContractFunction:
    """`deliver` of `message` on its destination with the given validators' attestations."""
    signatures = attestations(message, validator_keys, destination_messenger.address)
    return destination_messenger.functions.deliver(message.as_tuple(), signatures)
