"""Validator attestations for the AttestedMessenger (contracts/messaging/AttestedMessenger.sol).

The digest must match the contract's `digest(message)` byte for byte; signatures are 65 bytes r||s||v
(v 27/28, low s) over the raw digest, ordered by ascending signer address as `deliver` requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from eth_utils.crypto import keccak

MESSAGE_TYPEHASH = keccak(
    b"AttestedMessenger.Message(uint256 sourceChainId,uint256 destinationChainId,uint64 nonce,"
    b"address sender,address recipient,bytes32 payloadHash)"
)


@dataclass(frozen=True)
class Message:
    source_chain_id: int
    destination_chain_id: int
    nonce: int
    sender: str
    recipient: str
    payload: bytes

    def as_tuple(self) -> tuple[int, int, int, str, str, bytes]:
        """The Solidity struct `IMessenger.Message`, as web3 encodes it."""
        ids = (self.source_chain_id, self.destination_chain_id, self.nonce)
        return (*ids, self.sender, self.recipient, self.payload)


def message_digest(message: Message) -> bytes:
    return keccak(
        encode(
            ["bytes32", "uint256", "uint256", "uint64", "address", "address", "bytes32"],
            [
                MESSAGE_TYPEHASH,
                message.source_chain_id,
                message.destination_chain_id,
                message.nonce,
                message.sender,
                message.recipient,
                keccak(message.payload),
            ],
        )
    )


def attest(message: Message, validator: LocalAccount) -> bytes:
    """One validator's 65-byte signature over the message digest (eth_account signs with low s)."""
    signed = validator.unsafe_sign_hash(Hash32(message_digest(message)))
    return int(signed.r).to_bytes(32, "big") + int(signed.s).to_bytes(32, "big") + bytes([int(signed.v)])


def attestations(message: Message, validator_keys: Sequence[str]) -> list[bytes]:
    """Signatures of the given validators, ordered by ascending address as `deliver` requires."""
    accounts = sorted((Account.from_key(k) for k in validator_keys), key=lambda a: int(a.address, 16))
    return [attest(message, a) for a in accounts]
