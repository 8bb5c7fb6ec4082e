// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IPrimaryRollup} from "../interfaces/IPrimaryRollup.sol";
import {IMessenger, IMessageReceiver} from "../interfaces/IMessenger.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {IValidiumPrimaryRollup} from "../interfaces/IValidiumPrimaryRollup.sol";
import {BlockCommitment} from "../libraries/BlockCommitment.sol";
import {Operations} from "../libraries/Operations.sol";
import {SyncHash} from "../libraries/SyncHash.sol";
import {SyncMessages} from "../libraries/SyncMessages.sol";
import {RollupBase} from "./RollupBase.sol";
import {PrimaryExits} from "./PrimaryExits.sol";
import {PrimaryStorage} from "./PrimaryStorage.sol";
import "../common/Errors.sol";

/// @title PrimaryRollup
/// @notice The primary chain: takes every block's full public data, verifies its Groth16 proof, derives
///         every chain's sync hash from the proven data, checks the secondaries' reports against them and
///         confirms to each secondary (docs/settlement.md).
/// @dev The stored block's `syncHash` is keccak256 of all chains' S_c (index c - 1); callers pass the array
///      back. `opsHash` is h_c of this chain's own records, which execution replays.
contract PrimaryRollup is IPrimaryRollup, RollupBase, PrimaryStorage, IMessageReceiver {
    /// @notice Rollup chains of this deployment: ids 1..chainCount.
    uint8 public immutable chainCount;
    /// @notice On-chain operation slots per block (circuit profile).
    uint16 public immutable opSlots;
    /// @notice L2 slots per block (circuit profile).
    uint16 public immutable l2Slots;
    /// @notice Binds proofs and L2 signatures to this contract on this chain (BlockCommitment.domainOf).
    uint256 public immutable domain;

    /// @notice The exodus exits module (PrimaryExits), run by delegatecall on this contract's storage.
    address public immutable exits;

    /// @param proxy The ERC-1967 proxy this implementation serves: the domain binds proofs and L2 signatures
    ///        to it, so that an upgrade keeps every wallet's signatures valid (`initialize` checks it).
    constructor(
        RollupParams memory params,
        uint8 chainCount_,
        uint16 opSlots_,
        uint16 l2Slots_,
        address exits_,
        address proxy
    ) RollupBase(params) {
        if (params.rollupChainId == 0 || params.rollupChainId > chainCount_ || chainCount_ > 8) {
            revert InvalidChainCount(params.rollupChainId, chainCount_);
        }
        if (exits_ == address(0)) revert ZeroAddress();
        exits = exits_;
        chainCount = chainCount_;
        opSlots = opSlots_;
        l2Slots = l2Slots_;
        domain = BlockCommitment.domainOf(uint64(block.chainid), proxy);
    }

    /// @dev The new implementation must bind the same domain (every pending L2 signature and the proofs'
    ///      public input depend on it) and keep the data mode.
    function _authorizeUpgrade(address implementation) internal view override {
        super._authorizeUpgrade(implementation);
        uint256 next = PrimaryRollup(implementation).domain();
        if (next != domain) revert DomainMismatch(domain, next);
        _checkDataMode(implementation);
    }

    /// @dev The data mode (0 rollup, 1 Validium) is fixed for a deployment's life: `implementation` is a
    ///      Validium primary iff its `dataCommittee()` answers a non-zero address. Asking that, rather than a
    ///      `dataMode()` getter, keeps the rollup mode's calls free of an extra selector.
    function _checkDataMode(address implementation) private view {
        (bool ok, bytes memory answer) =
            implementation.staticcall(abi.encodeCall(IValidiumPrimaryRollup.dataCommittee, ()));
        bool validium = ok && answer.length == 32 && abi.decode(answer, (address)) != address(0);
        if (validium != _isValidium()) revert DataModeMismatch(_modeOf(_isValidium()), _modeOf(validium));
    }

    /// @dev Whether this contract is the Validium mode's primary (ValidiumPrimaryRollup says yes).
    function _isValidium() internal pure virtual returns (bool) {
        return false;
    }

    function _modeOf(bool validium) private pure returns (uint8) {
        return validium ? 1 : 0;
    }

    function _genesis(bytes32 stateRoot) internal view override returns (StoredBlockInfo memory genesis) {
        uint256 here = BlockCommitment.domainOf(uint64(block.chainid), address(this));
        if (here != domain) revert DomainMismatch(here, domain);
        genesis.stateRoot = stateRoot;
        genesis.syncHash = keccak256(abi.encodePacked(new bytes32[](chainCount)));
    }

    /// @notice Set the Groth16 verifier generated for the circuit profile (owner only).
    function setVerifier(address verifier_) external onlyOwner whenNotExodus {
        if (verifier_ == address(0)) revert ZeroAddress();
        verifier = IVerifier(verifier_);
        emit VerifierChanged(verifier_);
    }

    // ---------------------------------------------------------------- commit

    /// @inheritdoc IPrimaryRollup
    function commitBlocks(
        StoredBlockInfo calldata lastBlock,
        bytes32[] calldata lastSyncHashes,
        CommitBlockInfo[] calldata blocks
    ) external onlyOperator whenNotPaused {
        if (lastBlock.blockNumber != lastCommittedBlock) {
            revert NonSequentialBlock(lastCommittedBlock, lastBlock.blockNumber);
        }
        _checkStoredBlock(lastBlock);
        _checkSyncHashes(lastSyncHashes, lastBlock.syncHash);
        bytes32[] memory sync = lastSyncHashes; // updated block by block in memory
        StoredBlockInfo memory previous = lastBlock;
        for (uint256 i = 0; i < blocks.length; ++i) {
            previous = _commitOne(previous, sync, blocks[i]);
        }
    }

    function _commitOne(StoredBlockInfo memory previous, bytes32[] memory sync, CommitBlockInfo calldata blk)
        private
        returns (StoredBlockInfo memory info)
    {
        if (blk.blockNumber != previous.blockNumber + 1) {
            revert NonSequentialBlock(previous.blockNumber + 1, blk.blockNumber);
        }
        _checkTimestamp(previous.timestamp, blk.timestamp);
        (bytes32[] memory opsHashes, uint256 chainMask, uint64 consumed) = _readPublicData(blk.publicData);
        for (uint256 c = 0; c < chainCount; ++c) {
            if (chainMask & (1 << (c + 1)) != 0) {
                sync[c] = SyncHash.next(sync[c], blk.blockNumber, blk.newStateRoot, opsHashes[c]);
            }
        }
        info = StoredBlockInfo({
            blockNumber: blk.blockNumber,
            timestamp: blk.timestamp,
            stateRoot: blk.newStateRoot,
            commitment: _blockCommitment(blk, previous.stateRoot),
            opsHash: opsHashes[rollupChainId - 1],
            syncHash: keccak256(abi.encodePacked(sync)),
            priorityOps: consumed,
            previousBlock: previous.blockNumber
        });
        storedBlockHashes[blk.blockNumber] = hashStoredBlockInfo(info);
        committedPriorityRequests += consumed;
        lastCommittedBlock = blk.blockNumber;
        emit BlockCommitted(blk.blockNumber, info.commitment, info.syncHash, chainMask);
    }

    // ---- the L2-section commitment: the seam between data-availability modes (docs/protocol.md section 7)

    /// @notice Read a block's public data: its N_OP on-chain records (`_readOnchainSection`, the same in
    ///         every mode), then the L2-section commitment. This contract is the rollup mode: the
    ///         L2-section commitment is the L2 section itself, N_TX 14-byte records, so the L2 data is on
    ///         chain; it is never parsed here (a transfer costs its calldata and its share of sha256), only
    ///         its length is checked. ValidiumPrimaryRollup overrides this and `_blockCommitment`: a 32-byte
    ///         hash of the section, then its data committee's signatures over it; the circuit's
    ///         L2SectionCommitment and orchestrator/l2/block.py's l2_section_commitment change with it.
    function _readPublicData(bytes calldata publicData)
        internal
        view
        virtual
        returns (bytes32[] memory opsHashes, uint256 chainMask, uint64 consumed)
    {
        uint256 expectedLength = uint256(opSlots) * Operations.OP_RECORD_BYTES
            + uint256(l2Slots) * Operations.L2_RECORD_BYTES;
        if (publicData.length != expectedLength) revert PublicDataLength(expectedLength, publicData.length);
        return _readOnchainSection(publicData);
    }

    /// @notice The commitment of `blk`, whose public data `_readPublicData` accepted, after `oldRoot`. The
    ///         rollup mode commits all of the public data.
    function _blockCommitment(CommitBlockInfo calldata blk, bytes32 oldRoot) internal view virtual returns (bytes32) {
        return BlockCommitment.commitment(
            domain, blk.blockNumber, blk.timestamp, oldRoot, blk.newStateRoot, blk.publicData
        );
    }

    /// @dev Walk the on-chain records: types and chain ids valid, this chain's own records matched against
    ///      its queue; fold h_c per chain. Transfers (the L2 section) are never parsed.
    function _readOnchainSection(bytes calldata publicData)
        internal
        view
        returns (bytes32[] memory opsHashes, uint256 chainMask, uint64 consumed)
    {
        opsHashes = new bytes32[](chainCount);
        uint64 serialId = _nextUncommittedRequest();
        uint64 firstSerial = serialId;
        for (uint256 i = 0; i < opSlots; ++i) {
            uint256 offset = i * Operations.OP_RECORD_BYTES;
            uint8 opType = uint8(publicData[offset]);
            if (opType == uint8(Operations.OpType.Noop)) continue;
            if (!Operations.isOnchainType(opType)) revert InvalidOperationType(i, opType);
            uint8 chainId = uint8(publicData[offset + 1]);
            if (chainId == 0 || chainId > chainCount) revert UnknownChainId(i, chainId);
            if (chainId == rollupChainId) serialId = _checkOwnRecord(Operations.read(publicData, offset), serialId);
            opsHashes[chainId - 1] =
                SyncHash.foldOp(opsHashes[chainId - 1], publicData[offset:offset + Operations.OP_RECORD_BYTES]);
            chainMask |= 1 << chainId;
        }
        consumed = serialId - firstSerial;
    }

    function _checkSyncHashes(bytes32[] calldata syncHashes, bytes32 expected) private view {
        if (syncHashes.length != chainCount) revert SyncHashCount(chainCount, syncHashes.length);
        bytes32 actual = keccak256(abi.encodePacked(syncHashes));
        if (actual != expected) revert SyncHashesMismatch(expected, actual);
    }

    // ---------------------------------------------------------------- prove

    /// @inheritdoc IPrimaryRollup
    function proveBlocks(StoredBlockInfo[] calldata blocks, IVerifier.Proof[] calldata proofs)
        external
        onlyOperator
    {
        if (proofs.length != blocks.length) revert ProofCount(blocks.length, proofs.length);
        if (address(verifier) == address(0)) revert ZeroAddress();
        if (blocks.length == 0) return;
        uint64 next = lastProvenBlock + 1;
        uint256[] memory inputs = new uint256[](blocks.length);
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata info = blocks[i];
            if (info.blockNumber != next) revert NonSequentialBlock(next, info.blockNumber);
            _checkStoredBlock(info);
            inputs[i] = BlockCommitment.publicInput(info.commitment);
            ++next;
        }
        uint64 last = next - 1;
        if (!verifier.verifyProofs(proofs, inputs)) revert InvalidProof(blocks[0].blockNumber, last);
        lastProvenBlock = last;
        for (uint64 n = blocks[0].blockNumber; n <= last; ++n) {
            emit BlockProven(n);
        }
    }

    // ---------------------------------------------------------------- synchronize

    /// @notice A secondary's sync report or exodus notice, delivered by the messenger.
    function receiveMessage(uint256 sourceChainId, address sender, bytes calldata payload) external {
        if (msg.sender != messenger) revert Unauthorized(messenger, msg.sender);
        (uint8 kind, uint8 chainId, uint64 blockNumber, bytes32 syncHash) = SyncMessages.decode(payload);
        Peer memory peer = peers[chainId];
        if (chainId == rollupChainId || peer.rollup != sender || peer.evmChainId != sourceChainId) {
            revert NotPeer(sourceChainId, sender);
        }
        if (kind == SyncMessages.REPORT) {
            syncReports[chainId][blockNumber] = syncHash;
            emit SyncReportReceived(chainId, blockNumber, syncHash);
        } else if (kind == SyncMessages.EXODUS_NOTICE) {
            // A secondary entered exodus by its own deadline: so does every chain (docs/exodus.md).
            emit ExodusNoticeReceived(chainId);
            if (!exodusActive) _activateExodus(false);
        } else if (kind == SyncMessages.LIQUIDITY) {
            // The secondary's vault at R (it sends each token once, after executing up to R).
            uint16 tokenId = uint16(blockNumber);
            // Only a secondary in exodus sends one, once per token: anything else is refused, never
            // allowed to overwrite a vault exits have already drawn on.
            if (!exodusActive) revert ExodusNotActive();
            if (liquidityReported[chainId][tokenId]) revert LiquidityAlreadyReported(tokenId);
            liquidityReported[chainId][tokenId] = true;
            exodusLiquidity[chainId][tokenId] = uint256(syncHash);
            emit LiquidityReceived(chainId, tokenId, uint256(syncHash));
        } else {
            revert UnknownMessageKind(kind);
        }
    }

    /// @inheritdoc IPrimaryRollup
    function synchronizeBlocks(
        StoredBlockInfo calldata storedBlock,
        bytes32[] calldata syncHashes,
        uint64[] calldata reportBlocks
    ) external onlyOperator {
        uint64 n = storedBlock.blockNumber;
        if (n <= lastSynchronizedBlock) revert NonSequentialBlock(lastSynchronizedBlock + 1, n);
        if (n > lastProvenBlock) revert BlockNotProven(lastProvenBlock, n);
        _checkStoredBlock(storedBlock);
        _checkSyncHashes(syncHashes, storedBlock.syncHash);
        if (reportBlocks.length != chainCount) revert ReportBlockCount(chainCount, reportBlocks.length);
        for (uint8 c = 1; c <= chainCount; ++c) {
            if (c != rollupChainId) _confirmChain(c, n, syncHashes[c - 1], reportBlocks[c - 1]);
        }
        lastSynchronizedBlock = n;
        emit BlocksSynchronized(n, storedBlock.syncHash);
    }

    /// @dev S_c chains every earlier block, so a report of S_c at the secondary's block m <= n that equals
    ///      the proven S_c(n) vouches for all of chain c's operations up to n (none fall in (m, n]).
    function _confirmChain(uint8 chainId, uint64 n, bytes32 expected, uint64 reportBlock) private {
        if (expected == confirmedSyncHash[chainId]) return; // nothing new for this chain since its last confirmation
        bytes32 reported = reportBlock <= n ? syncReports[chainId][reportBlock] : bytes32(0);
        if (reported == bytes32(0)) revert MissingSyncReport(chainId, n);
        if (reported != expected) revert SyncHashMismatch(chainId, expected, reported);
        Peer memory peer = peers[chainId];
        if (peer.rollup == address(0)) revert PeerNotRegistered(chainId);
        confirmedSyncHash[chainId] = expected;
        delete syncReports[chainId][reportBlock]; // used up: the refund pays part of the confirmation
        uint64 nonce = IMessenger(messenger).send(
            peer.evmChainId, peer.rollup, SyncMessages.encode(SyncMessages.CONFIRMATION, chainId, reportBlock, expected)
        );
        emit ConfirmationSent(chainId, reportBlock, expected, nonce);
    }

    function _afterRevert(StoredBlockInfo calldata info) internal override {
        if (lastProvenBlock >= info.blockNumber) lastProvenBlock = info.previousBlock;
    }

    // ---------------------------------------------------------------- exodus (docs/exodus.md)

    /// @dev R is the last synchronized block: proven, every secondary's part confirmed, and final, since
    ///      nothing is synchronized from now on. Every secondary learns R and its S_c(R), which is the S_c
    ///      last confirmed to it (a confirmation goes out whenever S_c changes).
    function _afterExodusActivated(bool) internal override {
        uint64 referenceBlock = lastSynchronizedBlock;
        _setExodusReference(referenceBlock, bytes32(0));
        for (uint8 c = 1; c <= chainCount; ++c) {
            Peer memory peer = peers[c];
            if (c == rollupChainId || peer.rollup == address(0)) continue;
            bytes32 syncHash = confirmedSyncHash[c];
            uint64 nonce = IMessenger(messenger).send(
                peer.evmChainId, peer.rollup, SyncMessages.encode(SyncMessages.EXODUS, c, referenceBlock, syncHash)
            );
            emit ExodusSent(c, referenceBlock, syncHash, nonce);
        }
    }

    /// @inheritdoc IPrimaryRollup
    /// @dev Runs PrimaryExits' `exit` on this storage: exits live in their own contract to keep this one
    ///      under the 24,576-byte code limit (EIP-170).
    function exit(
        StoredBlockInfo calldata,
        uint32,
        uint16,
        uint128,
        ExitPayout[] calldata,
        IVerifier.Proof calldata
    ) external {
        address module = exits;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice The exit circuit's verifier (docs/exodus.md section 4), fixed in the exits module.
    function exitVerifier() external view returns (address) {
        return address(PrimaryExits(exits).exitVerifier());
    }
}
