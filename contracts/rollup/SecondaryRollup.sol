// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {ISecondaryRollup} from "../interfaces/ISecondaryRollup.sol";
import {IMessenger, IMessageReceiver} from "../interfaces/IMessenger.sol";
import {Operations} from "../libraries/Operations.sol";
import {SyncHash} from "../libraries/SyncHash.sol";
import {SyncMessages} from "../libraries/SyncMessages.sol";
import {RollupBase} from "./RollupBase.sol";
import "../common/Errors.sol";

/// @title SecondaryRollup
/// @notice A secondary chain: commits only the blocks that carry its own operations (header and its own
///         records), derives its S_c, reports it to the primary and advances only on a confirmation whose
///         S_c equals what it committed (docs/settlement.md). It verifies no proof.
contract SecondaryRollup is ISecondaryRollup, RollupBase, IMessageReceiver {
    /// @notice The primary's rollup chain id (its peer entry is the only sender of confirmations).
    uint8 public immutable primaryChainId;
    /// @notice On-chain operation slots per block: a block cannot carry more records for one chain.
    uint16 public immutable opSlots;
    /// @notice S_c after each committed block, which confirmations are checked against.
    mapping(uint64 blockNumber => bytes32) public committedSyncHash;
    /// @notice The block of the last report sent: reports go out in rising block order only, so the relayer
    ///         never carries the same report twice (a revert below it lowers it again).
    uint64 public lastReportedBlock;
    /// @notice Tokens whose vault at R went to the primary (docs/exodus.md section 3).
    mapping(uint16 tokenId => bool) public liquidityReported;

    constructor(RollupParams memory params, uint8 primaryChainId_, uint16 opSlots_) RollupBase(params) {
        if (primaryChainId_ == params.rollupChainId) revert PrimaryIsSelf(primaryChainId_);
        primaryChainId = primaryChainId_;
        opSlots = opSlots_;
    }

    function _genesis(bytes32 stateRoot) internal pure override returns (StoredBlockInfo memory genesis) {
        genesis.stateRoot = stateRoot;
    }

    // ---------------------------------------------------------------- commit

    /// @inheritdoc ISecondaryRollup
    function commitBlocks(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks)
        external
        onlyOperator
        whenNotPaused
    {
        _commitBlocks(lastBlock, blocks, false);
    }

    /// @inheritdoc ISecondaryRollup
    /// @dev The report rides on the commit: no transaction of its own (docs/settlement.md, "Gas").
    function commitBlocksAndReport(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks)
        external
        onlyOperator
        whenNotPaused
    {
        _commitBlocks(lastBlock, blocks, true);
    }

    function _commitBlocks(StoredBlockInfo calldata lastBlock, SecondaryCommitInfo[] calldata blocks, bool report)
        private
    {
        if (lastBlock.blockNumber != lastCommittedBlock) {
            revert NonSequentialBlock(lastCommittedBlock, lastBlock.blockNumber);
        }
        _checkStoredBlock(lastBlock);
        Peer memory primary;
        if (report) primary = _primaryPeer();
        StoredBlockInfo memory previous = lastBlock;
        for (uint256 i = 0; i < blocks.length; ++i) {
            previous = _commitOne(previous, blocks[i]);
            // Every block, not only the last: the primary may synchronize at any of them.
            if (report) _sendReport(primary, previous.blockNumber, previous.syncHash);
        }
        if (report && blocks.length > 0) lastReportedBlock = previous.blockNumber;
    }

    function _commitOne(StoredBlockInfo memory previous, SecondaryCommitInfo calldata blk)
        private
        returns (StoredBlockInfo memory info)
    {
        if (blk.blockNumber <= previous.blockNumber) revert NonSequentialBlock(previous.blockNumber + 1, blk.blockNumber);
        _checkTimestamp(previous.timestamp, blk.timestamp);
        uint256 length = blk.records.length;
        if (length == 0) revert NoOperationsForChain(blk.blockNumber);
        if (length % Operations.OP_RECORD_BYTES != 0 || length > uint256(opSlots) * Operations.OP_RECORD_BYTES) {
            revert RecordsLength(uint256(opSlots) * Operations.OP_RECORD_BYTES, length);
        }
        uint64 firstSerial = _nextUncommittedRequest();
        uint64 serialId = firstSerial;
        bytes32 opsHash;
        for (uint256 offset = 0; offset < length; offset += Operations.OP_RECORD_BYTES) {
            Operations.OnchainOp memory op = Operations.read(blk.records, offset);
            if (op.opType == uint8(Operations.OpType.Noop) || !Operations.isOnchainType(op.opType)) {
                revert InvalidOperationType(offset / Operations.OP_RECORD_BYTES, op.opType);
            }
            if (op.chainId != rollupChainId) revert WrongChainId(rollupChainId, op.chainId);
            serialId = _checkOwnRecord(op, serialId);
            opsHash = SyncHash.foldOp(opsHash, blk.records[offset:offset + Operations.OP_RECORD_BYTES]);
        }
        bytes32 syncHash = SyncHash.next(previous.syncHash, blk.blockNumber, blk.newStateRoot, opsHash);
        info = StoredBlockInfo({
            blockNumber: blk.blockNumber,
            timestamp: blk.timestamp,
            stateRoot: blk.newStateRoot,
            commitment: bytes32(0),
            opsHash: opsHash,
            syncHash: syncHash,
            priorityOps: serialId - firstSerial,
            previousBlock: previous.blockNumber
        });
        storedBlockHashes[blk.blockNumber] = hashStoredBlockInfo(info);
        committedSyncHash[blk.blockNumber] = syncHash;
        committedPriorityRequests += info.priorityOps;
        lastCommittedBlock = blk.blockNumber;
        emit SecondaryBlockCommitted(blk.blockNumber, blk.newStateRoot, opsHash, syncHash);
    }

    // ---------------------------------------------------------------- synchronize

    /// @inheritdoc ISecondaryRollup
    /// @dev Operator only, like `synchronizeBlocks` on the primary: a report for a later block raises the
    ///      floor above the block the primary needs, so an open call would let anyone stall synchronization
    ///      of every chain until proving reached the reported block.
    function sendSyncReport(uint64 blockNumber) external onlyOperator returns (uint64 nonce) {
        uint64 floor = lastReportedBlock > lastSynchronizedBlock ? lastReportedBlock : lastSynchronizedBlock;
        if (blockNumber <= floor) revert NothingToReport(blockNumber, floor);
        bytes32 syncHash = blockNumber <= lastCommittedBlock ? committedSyncHash[blockNumber] : bytes32(0);
        if (syncHash == bytes32(0)) revert BlockNotCommittedHere(blockNumber, lastCommittedBlock);
        Peer memory primary = _primaryPeer();
        lastReportedBlock = blockNumber;
        nonce = _sendReport(primary, blockNumber, syncHash);
    }

    function _primaryPeer() private view returns (Peer memory primary) {
        primary = peers[primaryChainId];
        if (primary.rollup == address(0)) revert PeerNotRegistered(primaryChainId);
    }

    function _sendReport(Peer memory primary, uint64 blockNumber, bytes32 syncHash) private returns (uint64 nonce) {
        nonce = IMessenger(messenger).send(
            primary.evmChainId,
            primary.rollup,
            SyncMessages.encode(SyncMessages.REPORT, rollupChainId, blockNumber, syncHash)
        );
        emit SyncReportSent(blockNumber, syncHash, nonce);
    }

    /// @notice The primary's confirmation (this chain, block m, S_c(m)) or exodus (this chain, R, S_c(R)),
    ///         delivered by the messenger.
    function receiveMessage(uint256 sourceChainId, address sender, bytes calldata payload) external {
        if (msg.sender != messenger) revert Unauthorized(messenger, msg.sender);
        Peer memory primary = peers[primaryChainId];
        if (primary.rollup == address(0) || primary.rollup != sender || primary.evmChainId != sourceChainId) {
            revert NotPeer(sourceChainId, sender);
        }
        if (SyncMessages.kindOf(payload) == SyncMessages.EXIT_PAYOUT) return _receivePayout(payload);
        (uint8 kind, uint8 chainId, uint64 blockNumber, bytes32 syncHash) = SyncMessages.decode(payload);
        if (chainId != rollupChainId) revert WrongChainId(rollupChainId, chainId);
        if (kind == SyncMessages.CONFIRMATION) {
            _confirm(blockNumber, syncHash);
        } else if (kind == SyncMessages.EXODUS) {
            if (!exodusActive) _activateExodus(false);
            if (!exodusReferenceSet) _setExodusReference(blockNumber, syncHash);
        } else {
            revert UnknownMessageKind(kind);
        }
    }

    function _confirm(uint64 blockNumber, bytes32 syncHash) private {
        if (blockNumber <= lastSynchronizedBlock) {
            emit StaleConfirmation(blockNumber);
            return;
        }
        bytes32 committed = blockNumber <= lastCommittedBlock ? committedSyncHash[blockNumber] : bytes32(0);
        if (committed != syncHash) revert ConfirmationMismatch(blockNumber, committed, syncHash);
        lastSynchronizedBlock = blockNumber;
        emit BlocksSynchronized(blockNumber, syncHash);
    }

    // ---------------------------------------------------------------- exodus (docs/exodus.md)

    /// @dev Entered by this chain's own deadline: tell the primary, which fixes R and answers every chain.
    function _afterExodusActivated(bool notify) internal override {
        Peer memory primary = peers[primaryChainId];
        if (!notify || primary.rollup == address(0)) return;
        uint64 nonce = IMessenger(messenger).send(
            primary.evmChainId, primary.rollup, SyncMessages.encode(SyncMessages.EXODUS_NOTICE, rollupChainId, 0, 0)
        );
        emit ExodusNoticeSent(nonce);
    }

    /// @inheritdoc ISecondaryRollup
    function reportExodusLiquidity(uint16 tokenId) external returns (uint64 nonce) {
        _requireExodusFinished();
        if (liquidityReported[tokenId]) revert LiquidityAlreadyReported(tokenId);
        liquidityReported[tokenId] = true;
        int256 held = vault[tokenId];
        uint256 amount = held > 0 ? uint256(held) : 0;
        Peer memory primary = peers[primaryChainId];
        nonce = IMessenger(messenger).send(
            primary.evmChainId,
            primary.rollup,
            SyncMessages.encode(SyncMessages.LIQUIDITY, rollupChainId, tokenId, bytes32(amount))
        );
        emit LiquidityReported(tokenId, amount, nonce);
    }

    /// @dev The primary paid part of an exit here from this chain's reported vault.
    function _receivePayout(bytes calldata payload) private {
        (uint8 chainId, address owner_, uint16 tokenId, uint128 amount) = SyncMessages.decodePayout(payload);
        if (chainId != rollupChainId) revert WrongChainId(rollupChainId, chainId);
        if (!liquidityReported[tokenId]) revert LiquidityNotReported(rollupChainId, tokenId);
        unchecked {
            vault[tokenId] -= int256(uint256(amount));
        }
        _credit(owner_, tokenId, amount);
        emit ExitPaid(owner_, tokenId, amount);
    }

    /// @dev This chain's last block at or below R is the one committed with S_c(R); none (S_c(R) = 0) is
    ///      block 0, whose committed sync hash is 0 too.
    function _executedToReference() internal view override returns (bool) {
        return committedSyncHash[lastExecutedBlock] == exodusSyncHash;
    }

    function _afterRevert(StoredBlockInfo calldata info) internal override {
        delete committedSyncHash[info.blockNumber];
        // A recommitted block must be reportable again.
        if (lastReportedBlock >= info.blockNumber) lastReportedBlock = info.previousBlock;
    }
}
