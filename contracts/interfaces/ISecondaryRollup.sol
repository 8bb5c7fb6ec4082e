// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "./IRollup.sol";

/// @title ISecondaryRollup
/// @notice A secondary chain's stages: commit of its own operations, sync report out, confirmation in.
interface ISecondaryRollup is IRollup {
    /// @notice A block as a secondary sees it: the header fields and only its own on-chain records.
    struct SecondaryCommitInfo {
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 newStateRoot;
        bytes records; // this chain's on-chain records, 64 bytes each, in block order (at least one)
    }

    /// @notice This chain committed its records of block `blockNumber` (named apart from the primary's
    ///         BlockCommitted, whose fields differ).
    event SecondaryBlockCommitted(uint64 indexed blockNumber, bytes32 stateRoot, bytes32 opsHash, bytes32 syncHash);
    event SyncReportSent(uint64 indexed blockNumber, bytes32 syncHash, uint64 nonce);
    /// @notice A confirmation for a block at or below the synchronized one arrived late and changed nothing.
    event StaleConfirmation(uint64 indexed blockNumber);
    /// @notice This chain entered exodus by its own deadline and told the primary.
    event ExodusNoticeSent(uint64 nonce);

    /// @notice Commit blocks after `lastBlock` (the latest committed here); block numbers may skip.
    function commitBlocks(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks) external;

    /// @notice Send (this chain, `blockNumber`, its S_c) to the primary (operator only), for a block committed
    ///         here (`BlockNotCommittedHere`), above the synchronized block and above the last reported one
    ///         (`NothingToReport`): each report crosses once, in rising block order.
    function sendSyncReport(uint64 blockNumber) external returns (uint64 nonce);
}
