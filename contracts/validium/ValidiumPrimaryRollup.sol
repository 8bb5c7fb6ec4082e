// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IDataCommittee} from "../interfaces/IDataCommittee.sol";
import {IValidiumPrimaryRollup} from "../interfaces/IValidiumPrimaryRollup.sol";
import {BlockCommitment} from "../libraries/BlockCommitment.sol";
import {Operations} from "../libraries/Operations.sol";
import {PrimaryRollup} from "../rollup/PrimaryRollup.sol";
import "../common/Errors.sol";

/// @title ValidiumPrimaryRollup
/// @notice The primary chain of a Validium deployment: as PrimaryRollup, except that a block's L2 section
///         stays off chain. The commit carries the section's sha256 (the data hash, which the proof binds)
///         and M-of-N data-committee signatures that the committee holds the section (docs/protocol.md
///         section 7, docs/validium.md). Secondaries are the same in both modes.
contract ValidiumPrimaryRollup is IValidiumPrimaryRollup, PrimaryRollup {
    /// @notice `keccak256(AVAILABILITY_TAG || domain || blockNumber || dataHash)` is what members sign.
    bytes internal constant AVAILABILITY_TAG = "multichain-zk-rollup/dac/v1";
    uint256 internal constant DATA_HASH_BYTES = 32;

    /// @inheritdoc IValidiumPrimaryRollup
    /// @dev Its members and threshold change only by its owner, the timelock; another committee contract
    ///      needs an upgrade (timelocked too).
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
    function _isValidium() internal pure override returns (bool) {
        return true;
    }

    /// @inheritdoc IValidiumPrimaryRollup
    function availabilityDigest(uint64 blockNumber, bytes32 dataHash) public view returns (bytes32) {
        return keccak256(abi.encodePacked(AVAILABILITY_TAG, domain, blockNumber, dataHash));
    }

    /// @dev `publicData` = on-chain section || data hash (32, committed) || signatures (count byte, then
    ///      65 bytes each: not committed, checked in `_blockCommitment` against the block's digest).
    function _readPublicData(bytes calldata publicData)
        internal
        view
        override
        returns (bytes32[] memory opsHashes, uint256 chainMask, uint64 consumed)
    {
        uint256 committed = _committedBytes();
        if (publicData.length <= committed) revert PublicDataLength(committed + 1, publicData.length);
        return _readOnchainSection(publicData);
    }

    /// @dev The committee's signatures must be over this block's digest; the commitment hashes the on-chain
    ///      section and the data hash, not the signatures.
    function _blockCommitment(CommitBlockInfo calldata blk, bytes32 oldRoot) internal view override returns (bytes32) {
        uint256 committed = _committedBytes();
        bytes32 dataHash = bytes32(blk.publicData[committed - DATA_HASH_BYTES:committed]);
        dataCommittee.verifySignatures(availabilityDigest(blk.blockNumber, dataHash), blk.publicData[committed:]);
        return BlockCommitment.commitment(
            domain, blk.blockNumber, blk.timestamp, oldRoot, blk.newStateRoot, blk.publicData[:committed]
        );
    }

    function _committedBytes() private view returns (uint256) {
        return uint256(opSlots) * Operations.OP_RECORD_BYTES + DATA_HASH_BYTES;
    }
}
