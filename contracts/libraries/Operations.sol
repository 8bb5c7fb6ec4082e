// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Operations
/// @notice Codec of the 64-byte on-chain operation records of the public data (docs/protocol.md section 6).
/// @dev Pure functions over calldata: the commit path reads only the on-chain section, never the L2
///      section, so a transfer costs its calldata and its share of sha256 and nothing else.
library Operations {
    uint256 internal constant OP_RECORD_BYTES = 64;
    uint256 internal constant L2_RECORD_BYTES = 14;

    uint8 internal constant NOOP = 0;
    uint8 internal constant DEPOSIT = 1;
    uint8 internal constant WITHDRAW = 2;
    uint8 internal constant FULL_EXIT = 3;

    /// @notice One decoded on-chain operation record.
    struct OnchainOp {
        uint8 opType;
        uint8 chainId;
        uint32 accountIndex;
        uint16 tokenId;
        uint128 amount;
        address ethAddress;
        bytes20 pkh;
    }

    /// @notice Decode the record at `offset` of `publicData` (the caller checks bounds).
    function read(bytes calldata publicData, uint256 offset) internal pure returns (OnchainOp memory op) {
        bytes calldata r = publicData[offset:offset + OP_RECORD_BYTES];
        op.opType = uint8(r[0]);
        op.chainId = uint8(r[1]);
        op.accountIndex = uint32(bytes4(r[2:6]));
        op.tokenId = uint16(bytes2(r[6:8]));
        op.amount = uint128(bytes16(r[8:24]));
        op.ethAddress = address(bytes20(r[24:44]));
        op.pkh = bytes20(r[44:64]);
    }

    /// @notice What a deposit request fixes: everything but the account index the sequencer picks.
    function depositRequestHash(uint8 chainId, uint16 tokenId, uint128 amount, address owner, bytes20 pkh)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(DEPOSIT, chainId, tokenId, amount, owner, pkh));
    }

    /// @notice What a full-exit request fixes: everything but the exited amount the circuit decides.
    function fullExitRequestHash(uint8 chainId, uint32 accountIndex, uint16 tokenId, address requester)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(FULL_EXIT, chainId, accountIndex, tokenId, requester));
    }

    /// @notice The request hash a committed record must match in its chain's priority queue.
    function requestHashOf(OnchainOp memory op) internal pure returns (bytes32) {
        if (op.opType == DEPOSIT) return depositRequestHash(op.chainId, op.tokenId, op.amount, op.ethAddress, op.pkh);
        return fullExitRequestHash(op.chainId, op.accountIndex, op.tokenId, op.ethAddress);
    }
}
