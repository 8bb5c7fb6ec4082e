// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "./IRollup.sol";
import {IVerifier} from "./IVerifier.sol";

/// @title IPrimaryRollup
/// @notice The primary chain's stages: full commit, Groth16 prove, sync reports in, confirmations out.
interface IPrimaryRollup is IRollup {
    /// @notice A block as the sequencer commits it to the primary: the header fields and all public data.
    struct CommitBlockInfo {
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 newStateRoot;
        bytes publicData; // N_OP 64-byte on-chain records, then the L2-section commitment (rollup: N_TX 14-byte records)
    }

    /// @notice Where part of an exit is paid: `amount` on rollup chain `chainId`.
    struct ExitPayout {
        uint8 chainId;
        uint128 amount;
    }

    /// @param syncHashesHash keccak256 of every chain's S_c after the block (index c - 1).
    /// @param chainMask Bit c is set when the block has operations for rollup chain c.
    event BlockCommitted(uint64 indexed blockNumber, bytes32 commitment, bytes32 syncHashesHash, uint256 chainMask);
    event BlockProven(uint64 indexed blockNumber);
    event SyncReportReceived(uint8 indexed rollupChainId, uint64 indexed blockNumber, bytes32 syncHash);
    event ConfirmationSent(uint8 indexed rollupChainId, uint64 indexed blockNumber, bytes32 syncHash, uint64 nonce);
    event VerifierChanged(address indexed verifier);
    /// @notice Secondary `rollupChainId` entered exodus by its own deadline and said so.
    event ExodusNoticeReceived(uint8 indexed rollupChainId);
    /// @notice Exodus, R and S_c(R) sent to secondary `rollupChainId` (docs/exodus.md).
    event ExodusSent(uint8 indexed rollupChainId, uint64 referenceBlock, bytes32 syncHash, uint64 nonce);
    /// @notice Secondary `rollupChainId`'s vault of `tokenId` at R, reported through the messenger.
    event LiquidityReceived(uint8 indexed rollupChainId, uint16 indexed tokenId, uint256 amount);
    /// @notice Account `accountIndex` exited: `balance` of `tokenId` to `owner`, paid as its payouts say.
    event Exited(uint32 indexed accountIndex, address indexed owner, uint16 tokenId, uint128 balance);
    /// @notice Part of an exit goes to `owner` on secondary `rollupChainId` (an exit payout message).
    event ExitPayoutSent(uint8 indexed rollupChainId, address indexed owner, uint16 tokenId, uint128 amount, uint64 nonce);

    /// @notice In exodus, once this chain has executed every block up to R: pay the caller's account
    ///         `accountIndex` its whole `balance` of `tokenId` at R, proven by the exit circuit against the
    ///         state root of `referenceBlock` (R's stored block). The caller must be the leaf's L1 address (the
    ///         proof binds it), and the account must not have exited before, here or anywhere. `payouts`
    ///         split the balance over chains with enough liquidity: this chain's vault, or a secondary's
    ///         reported vault (paid there by an exit payout message).
    function exit(
        StoredBlockInfo calldata referenceBlock,
        uint32 accountIndex,
        uint16 tokenId,
        uint128 balance,
        ExitPayout[] calldata payouts,
        IVerifier.Proof calldata proof
    ) external;

    /// @notice Commit blocks after `lastBlock` (the latest committed), whose per-chain sync hashes are
    ///         `lastSyncHashes`. Checks order, timestamps, lengths, chain ids and this chain's queue.
    function commitBlocks(
        StoredBlockInfo calldata lastBlock,
        bytes32[] calldata lastSyncHashes,
        CommitBlockInfo[] calldata blocks
    ) external;

    /// @notice Verify one proof per block, in order after the last proven block, all with one pairing
    ///         check (IVerifier.verifyProofs): one bad proof fails the whole call.
    function proveBlocks(StoredBlockInfo[] calldata blocks, IVerifier.Proof[] calldata proofs) external;

    /// @notice Synchronize up to the proven block `storedBlock`: every secondary's S_c after it must equal
    ///         its confirmed hash or a sync report it sent (for block `reportBlocks[c - 1]`). Sends each
    ///         secondary with news a confirmation (its block, S_c).
    function synchronizeBlocks(
        StoredBlockInfo calldata storedBlock,
        bytes32[] calldata syncHashes,
        uint64[] calldata reportBlocks
    ) external;
}
