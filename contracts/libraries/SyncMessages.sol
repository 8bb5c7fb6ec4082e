// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import "../common/Errors.sol";

/// @title SyncMessages
/// @notice Payloads of the rollup's cross-chain messages, packed, one layout for all:
///         report        = 0x01 || rollupChainId (1) || blockNumber (8) || S_c (32)     secondary -> primary
///         confirmation  = 0x02 || rollupChainId (1) || blockNumber (8) || S_c (32)     primary -> secondary
///         exodus notice = 0x03 || rollupChainId (1) || 0 (8)           || 0 (32)       secondary -> primary
///         exodus        = 0x04 || rollupChainId (1) || R (8)           || S_c(R) (32)  primary -> secondary
///         The first two are the Synchronize stage (docs/settlement.md), the last two exodus (docs/exodus.md).
/// @dev Each carries the chain it concerns, so none can be taken for another chain's.
library SyncMessages {
    uint8 internal constant REPORT = 1;
    uint8 internal constant CONFIRMATION = 2;
    uint8 internal constant EXODUS_NOTICE = 3;
    uint8 internal constant EXODUS = 4;
    uint256 internal constant LENGTH = 42;

    function encode(uint8 kind, uint8 rollupChainId, uint64 blockNumber, bytes32 syncHash)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(kind, rollupChainId, blockNumber, syncHash);
    }

    /// @notice Decode a payload of any kind; the receiver dispatches on `kind`.
    function decode(bytes calldata payload)
        internal
        pure
        returns (uint8 kind, uint8 rollupChainId, uint64 blockNumber, bytes32 syncHash)
    {
        if (payload.length != LENGTH) revert MalformedMessage(LENGTH, payload.length);
        kind = uint8(payload[0]);
        rollupChainId = uint8(payload[1]);
        blockNumber = uint64(bytes8(payload[2:10]));
        syncHash = bytes32(payload[10:42]);
    }
}
