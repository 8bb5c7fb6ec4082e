"""Validator attestations for the AttestedMessenger (contracts/messaging/AttestedMessenger.sol).

The digest must match the contract's `digest(message)` byte for byte: EIP-712, in the domain of the
destination's messenger (its chain id and address), so an attestation is good for that one messenger only.
Signatures are 65 bytes r||s||v (v 27/28, low s) over the digest, ordered by ascending signer address as
`deliver` requires.
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
    b"Message(uint256 sourceChainId,uint256 destinationChainId,uint64 nonce,"
    b"address sender,address recipient,bytes32 payloadHash)"
)
DOMAIN_TYPEHASH = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
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


def domain_separator(chain_id: int, messenger: str) -> bytes:
    """The EIP-712 domain separator of the AttestedMessenger at `messenger` on chain `chain_id`."""
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [DOMAIN_TYPEHASH, keccak(b"AttestedMessenger"), keccak(b"1"), chain_id, messenger],
        )
    )


def message_digest(message: Message, messenger: str) -> bytes:
    """What validators sign for `message`, delivered by the messenger at `messenger` on its destination."""
    struct = keccak(
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
    return keccak(b"\x19\x01" + domain_separator(message.destination_chain_id, messenger) + struct)


def attest(message: Message, validator: LocalAccount, messenger: str) -> bytes:
    """One validator's 65-byte signature over the message digest (eth_account signs with low s)."""
    signed = validator.unsafe_sign_hash(Hash32(message_digest(message, messenger)))
    return int(signed.r).to_bytes(32, "big") + int(signed.s).to_bytes(32, "big") + bytes([int(signed.v)])


def attestations(message: Message, validator_keys: Sequence[str], messenger: str) -> list[bytes]:
    """Signatures of the given validators for the destination's messenger at `messenger`, ordered by
    ascending address as `deliver` requires."""
    accounts = sorted((Account.from_key(k) for k in validator_keys), key=lambda a: int(a.address, 16))
    return [attest(message, a, messenger) for a in accounts]
