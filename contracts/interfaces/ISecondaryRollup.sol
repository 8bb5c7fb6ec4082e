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
    /// @notice This chain's vault of `tokenId` at R went to the primary, which pays exits from it.
    event LiquidityReported(uint16 indexed tokenId, uint256 amount, uint64 nonce);
    /// @notice The primary paid part of an exit here: a pending balance for `owner`.
    event ExitPaid(address indexed owner, uint16 indexed tokenId, uint128 amount);

    /// @notice In exodus, once every block up to R is executed here: report this chain's vault of `tokenId`
    ///         to the primary, which then pays exits from it (anyone may call; once per token).
    function reportExodusLiquidity(uint16 tokenId) external returns (uint64 nonce);

    /// @notice Commit blocks after `lastBlock` (the latest committed here); block numbers may skip.
    function commitBlocks(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks) external;

    /// @notice `commitBlocks`, then a sync report of every block it committed, in block order, in the same
    ///         transaction (operator only). Raises the last reported block to the last one committed.
    function commitBlocksAndReport(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks)
        external;

    /// @notice Send (this chain, `blockNumber`, its S_c) to the primary (operator only), for a block committed
    ///         here (`BlockNotCommittedHere`), above the synchronized block and above the last reported one
    ///         (`NothingToReport`): each report crosses once, in rising block order.
    function sendSyncReport(uint64 blockNumber) external returns (uint64 nonce);
}
