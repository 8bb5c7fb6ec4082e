// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import "../common/Errors.sol";

/// @title SyncMessages
/// @notice Payloads of the rollup's cross-chain messages, packed, one layout for all:
///         report        = 0x01 || rollupChainId (1) || blockNumber (8) || S_c (32)     secondary -> primary
///         confirmation  = 0x02 || rollupChainId (1) || blockNumber (8) || S_c (32)     primary -> secondary
///         exodus notice = 0x03 || rollupChainId (1) || 0 (8)           || 0 (32)       secondary -> primary
///         exodus        = 0x04 || rollupChainId (1) || R (8)           || S_c(R) (32)  primary -> secondary
///         liquidity     = 0x05 || rollupChainId (1) || tokenId (8)     || amount (32)  secondary -> primary
///         exit payout   = 0x06 || rollupChainId (1) || owner (20) || tokenId (2) || amount (16)
///                                                                                      primary -> secondary
///         The first two are the Synchronize stage (docs/settlement.md), the others exodus (docs/exodus.md).
/// @dev Each carries the chain it concerns, so none can be taken for another chain's.
library SyncMessages {
    uint8 internal constant REPORT = 1;
    uint8 internal constant CONFIRMATION = 2;
    uint8 internal constant EXODUS_NOTICE = 3;
    uint8 internal constant EXODUS = 4;
    uint8 internal constant LIQUIDITY = 5;
    uint8 internal constant EXIT_PAYOUT = 6;
    uint256 internal constant LENGTH = 42;
    uint256 internal constant PAYOUT_LENGTH = 40;

    function encode(uint8 kind, uint8 rollupChainId, uint64 blockNumber, bytes32 syncHash)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(kind, rollupChainId, blockNumber, syncHash);
    }

    function encodePayout(uint8 rollupChainId, address owner, uint16 tokenId, uint128 amount)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(EXIT_PAYOUT, rollupChainId, owner, tokenId, amount);
    }

    /// @notice The kind of a payload (its first byte); the receiver dispatches on it, then decodes.
    function kindOf(bytes calldata payload) internal pure returns (uint8) {
        if (payload.length == 0) revert MalformedMessage(LENGTH, 0);
        return uint8(payload[0]);
    }

    function decodePayout(bytes calldata payload)
        internal
        pure
        returns (uint8 rollupChainId, address owner, uint16 tokenId, uint128 amount)
    {
        if (payload.length != PAYOUT_LENGTH) revert MalformedMessage(PAYOUT_LENGTH, payload.length);
        rollupChainId = uint8(payload[1]);
        owner = address(bytes20(payload[2:22]));
        tokenId = uint16(bytes2(payload[22:24]));
        amount = uint128(bytes16(payload[24:40]));
    }

    /// @notice Decode a payload of any 42-byte kind (all but the exit payout).
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
