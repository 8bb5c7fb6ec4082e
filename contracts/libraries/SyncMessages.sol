// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import "../common/Errors.sol";

/// @title SyncMessages
/// @notice Payloads of the two cross-chain messages of the Synchronize stage (docs/settlement.md), packed:
///         report       = 0x01 || rollupChainId (1) || blockNumber (8) || S_c (32)   secondary -> primary
///         confirmation = 0x02 || rollupChainId (1) || blockNumber (8) || S_c (32)   primary -> secondary
/// @dev Both carry the chain and the block, so neither can be taken for another chain's or block's.
library SyncMessages {
    uint8 internal constant REPORT = 1;
    uint8 internal constant CONFIRMATION = 2;
    uint256 internal constant LENGTH = 42;

    function encode(uint8 kind, uint8 rollupChainId, uint64 blockNumber, bytes32 syncHash)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(kind, rollupChainId, blockNumber, syncHash);
    }

    /// @notice Decode a payload that must be of `kind`.
    function decode(bytes calldata payload, uint8 kind)
        internal
        pure
        returns (uint8 rollupChainId, uint64 blockNumber, bytes32 syncHash)
    {
        if (payload.length != LENGTH) revert MalformedMessage(LENGTH, payload.length);
        if (uint8(payload[0]) != kind) revert UnknownMessageKind(uint8(payload[0]));
        rollupChainId = uint8(payload[1]);
        blockNumber = uint64(bytes8(payload[2:10]));
        syncHash = bytes32(payload[10:42]);
    }
}
