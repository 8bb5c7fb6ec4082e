// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title Operations
/// @notice Codec of the 64-byte on-chain operation records of the public data (docs/protocol.md section 6).
/// @dev Pure functions over calldata: the commit path reads only the on-chain section, never the L2
///      section, so a transfer costs its calldata and its share of sha256 and nothing else.
library Operations {
    uint256 internal constant OP_RECORD_BYTES = 64;
    uint256 internal constant L2_RECORD_BYTES = 14;

    /// @notice The operation kinds by type byte (record byte 0): each value is its type byte, as in the
    ///         table of docs/protocol.md section 6, orchestrator/l2/ops.py and the circuit's
    ///         OnchainOpSelector. Noop..FullExit take on-chain slots; Transfer takes L2 slots only, which
    ///         no chain parses: it is listed so that a later kind's value is still its type byte.
    /// @dev A record's type byte stays a raw uint8 until checked (`isOnchainType`): converting an
    ///      out-of-range byte to the enum would fail with a Panic instead of `InvalidOperationType`.
    enum OpType {
        Noop,
        Deposit,
        Withdraw,
        FullExit,
        Transfer
    }

    /// @dev uint8(OpType.Deposit) as a literal, for `depositRequestHash`: solc 0.8.37 packs the converted enum
    ///      there with 3 more gas per deposit (measured), and a literal keeps the rollup's gas as it was.
    uint8 private constant DEPOSIT_BYTE = 1;

    /// @notice One decoded on-chain operation record.
    struct OnchainOp {
        uint8 opType; // the raw type byte: an OpType once checked
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
        return keccak256(abi.encodePacked(DEPOSIT_BYTE, chainId, tokenId, amount, owner, pkh));
    }

    /// @notice What a full-exit request fixes: everything but the exited amount the circuit decides.
    function fullExitRequestHash(uint8 chainId, uint32 accountIndex, uint16 tokenId, address requester)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(uint8(OpType.FullExit), chainId, accountIndex, tokenId, requester));
    }

    /// @notice The request hash a committed record of a priority kind (Deposit, FullExit) must match in
    ///         its chain's priority queue.
    function requestHashOf(OnchainOp memory op) internal pure returns (bytes32) {
        if (op.opType == uint8(OpType.Deposit)) {
            return depositRequestHash(op.chainId, op.tokenId, op.amount, op.ethAddress, op.pkh);
        }
        return fullExitRequestHash(op.chainId, op.accountIndex, op.tokenId, op.ethAddress);
    }

    // The table's other columns are tests of the type byte where they are used, each commented: priority
    // kinds in RollupBase._checkOwnRecord and requestHashOf above, kinds that pay out in
    // RollupBase._executeRecords (docs/protocol.md section 12 lists them for a new kind).

    /// @notice A kind an on-chain slot may carry (Noop included). A comparison of constants, so it costs
    ///         what the inline check it replaced cost.
    function isOnchainType(uint8 opType) internal pure returns (bool) {
        return opType <= uint8(OpType.FullExit);
    }
}
