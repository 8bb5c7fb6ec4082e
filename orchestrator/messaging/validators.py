"""The validators' side of a message: attest only what the source chain's messenger really sent.

A validator signs a message after reading, on the source chain itself, the `MessageSent` log of that
nonce (its chain's confirmation depth deep, or finalized) and finding the very same message there. So
whoever relays cannot get signatures for a payload it altered or a message nobody sent; what it could
still try, delivering an altered message with the signatures of the real one, the destination messenger
refuses (the signatures recover to strangers: `UnknownValidator`), and a second delivery it refuses by
its delivered bit.

TEST-ONLY: on the devnet the validators' keys are in the devnet file and this set runs inside the relayer
process; a real validator runs this check in its own process, against its own node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orchestrator.chain.handle import Chain
from orchestrator.chain.logscan import safe_block
from orchestrator.errors import RollupError
from orchestrator.messaging.attest import Message, attestations
from orchestrator.messaging.relay import message_from_event


class AttestationRefused(RollupError):
    """The validators will not sign this message: its source chain did not send it (as it stands)."""


class ValidatorSet:
    def __init__(self, keys: Sequence[str], sources: Mapping[int, Chain]) -> None:
        self.keys = list(keys)
        self.sources = sources  # by EVM chain id; each chain's config names its confirmation depth

    def attest(self, message: Message, sent_at: int) -> list[bytes]:
        """The validators' signatures over `message`, ordered as `deliver` wants them; `AttestationRefused`
        unless the source chain's messenger emitted exactly this message in block `sent_at`, confirmed.

        The relayer names the block (where it saw the message), so a validator reads one block's logs, not
        every block since the deployment; a wrong block gets a refusal, never a signature."""
        name = f"message {message.source_chain_id}#{message.nonce}"
        source = self.sources.get(message.source_chain_id)
        if source is None:
            raise AttestationRefused(f"{name}: no chain with EVM id {message.source_chain_id} is watched")
        safe = safe_block(source.w3, source.config.confirmations)
        if sent_at > safe:
            raise AttestationRefused(f"{name}: block {sent_at} is not confirmed yet (confirmed up to {safe})")
        logs = source.messenger.events.MessageSent().get_logs(
            argument_filters={"nonce": message.nonce}, from_block=sent_at, to_block=sent_at
        )
        sent = [message_from_event(message.source_chain_id, entry["args"]) for entry in logs]
        if not sent:
            raise AttestationRefused(f"{name}: the source messenger sent no such message in block {sent_at}")
        if message not in sent:
            raise AttestationRefused(f"{name}: differs from what the source messenger sent")
        destination = self.sources.get(message.destination_chain_id)
        if destination is None:
            raise AttestationRefused(
                f"{name}: no chain with EVM id {message.destination_chain_id} is watched"
            )
        return attestations(message, self.keys, destination.messenger.address)
