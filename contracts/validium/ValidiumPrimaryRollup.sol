// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IDataCommittee} from "../interfaces/IDataCommittee.sol";
import {Operations} from "../libraries/Operations.sol";
import {PrimaryRollup} from "../rollup/PrimaryRollup.sol";
import "../common/Errors.sol";

/// @title ValidiumPrimaryRollup
/// @notice The primary chain of a Validium deployment: as PrimaryRollup, except that a block's L2 section
///         stays off chain. The commit carries the section's sha256 (the data hash, which the proof binds)
///         and M-of-N data-committee signatures that the committee holds the section (docs/protocol.md
///         section 7, docs/validium.md). Secondaries are the same in both modes.
contract ValidiumPrimaryRollup is PrimaryRollup {
    /// @notice `keccak256(AVAILABILITY_TAG || domain || blockNumber || dataHash)` is what members sign.
    bytes internal constant AVAILABILITY_TAG = "multichain-zk-rollup/dac/v1";
    uint256 internal constant DATA_HASH_BYTES = 32;

    /// @notice The committee whose signatures a commit needs. Its members and threshold change only by
    ///         its owner, the timelock; another committee contract needs an upgrade (timelocked too).
    IDataCommittee public immutable dataCommittee;

    constructor(
        RollupParams memory params,
        uint8 chainCount_,
        uint16 opSlots_,
        uint16 l2Slots_,
        address exits_,
        address proxy,
        IDataCommittee dataCommittee_
    ) PrimaryRollup(params, chainCount_, opSlots_, l2Slots_, exits_, proxy) {
        if (address(dataCommittee_) == address(0)) revert ZeroAddress();
        dataCommittee = dataCommittee_;
    }

    /// @inheritdoc PrimaryRollup
    function dataMode() public pure override returns (uint8) {
        return 1;
    }

    /// @notice What a committee member signs for block `blockNumber` with data hash `dataHash` (EIP-191).
    function availabilityDigest(uint64 blockNumber, bytes32 dataHash) public view returns (bytes32) {
        return keccak256(abi.encodePacked(AVAILABILITY_TAG, domain, blockNumber, dataHash));
    }

    /// @dev `publicData` = on-chain section || data hash (32, committed) || signatures (count byte, then
    ///      65 bytes each: not committed, checked here against this block's digest).
    function _readPublicData(bytes calldata publicData, uint64 blockNumber)
        internal
        view
        override
        returns (bytes32[] memory opsHashes, uint256 chainMask, uint64 consumed, uint256 committed)
    {
        committed = uint256(opSlots) * Operations.OP_RECORD_BYTES + DATA_HASH_BYTES;
        if (publicData.length <= committed) revert PublicDataLength(committed + 1, publicData.length);
        bytes32 dataHash = bytes32(publicData[committed - DATA_HASH_BYTES:committed]);
        dataCommittee.verifySignatures(availabilityDigest(blockNumber, dataHash), publicData[committed:]);
        (opsHashes, chainMask, consumed) = _readOnchainSection(publicData);
    }
}
