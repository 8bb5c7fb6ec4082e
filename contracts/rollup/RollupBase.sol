// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "../interfaces/IRollup.sol";
import {Operations} from "../libraries/Operations.sol";
import {SyncHash} from "../libraries/SyncHash.sol";
import {RollupGovernance} from "./RollupGovernance.sol";
import "../common/Errors.sol";

interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title RollupBase
/// @notice What every chain does: queue deposits and full-exit requests, map tokens, check its own records
///         at commit, execute synchronized blocks, revert unsynchronized ones, hold pending balances.
/// @dev Commit, prove and synchronization differ between the primary and the secondaries and live there.
abstract contract RollupBase is RollupGovernance {
    constructor(RollupParams memory params) RollupGovernance(params) {}

    /// @notice Set up a new proxy: `governor` (the chain's TimelockController) owns it, `operator` runs
    ///         the stages, `guardian` may pause; block 0 holds `genesisStateRoot`. Once only.
    function initialize(address governor, address operator_, address guardian_, bytes32 genesisStateRoot)
        external
        initializer
    {
        __RollupGovernance_init(governor, operator_, guardian_);
        storedBlockHashes[0] = hashStoredBlockInfo(_genesis(genesisStateRoot));
    }

    /// @dev Block 0 as this role stores it.
    function _genesis(bytes32 stateRoot) internal view virtual returns (StoredBlockInfo memory);

    // ---------------------------------------------------------------- priority queue

    /// @inheritdoc IRollup
    function depositETH(bytes20 pkh, address accountOwner)
        external
        payable
        nonReentrant
        whenNotExodus
        whenNotPaused
    {
        _queueDeposit(nativeTokenId, msg.value, pkh, accountOwner);
    }

    /// @inheritdoc IRollup
    function depositERC20(address token, uint128 amount, bytes20 pkh, address accountOwner)
        external
        nonReentrant
        whenNotExodus
        whenNotPaused
    {
        uint16 tokenId = tokenIdOf[token];
        if (tokenId == 0) revert TokenNotRegistered(token);
        uint256 before = IERC20Minimal(token).balanceOf(address(this));
        _safeTransferFrom(tokenId, token, msg.sender, amount);
        // Fee-on-transfer and rebasing tokens: credit what actually arrived.
        _queueDeposit(tokenId, IERC20Minimal(token).balanceOf(address(this)) - before, pkh, accountOwner);
    }

    /// @inheritdoc IRollup
    function requestFullExit(uint32 accountIndex, uint16 tokenId) external whenNotExodus {
        uint32 maxIndex = uint32((uint256(1) << treeDepth) - 1);
        if (accountIndex > maxIndex) revert AccountIndexOutOfRange(maxIndex, accountIndex);
        if (!_knownToken(tokenId)) revert UnknownTokenId(tokenId);
        bytes32 requestHash = Operations.fullExitRequestHash(rollupChainId, accountIndex, tokenId, msg.sender);
        _queue(uint8(Operations.OpType.FullExit), msg.sender, tokenId, 0, bytes20(0), accountIndex, requestHash);
    }

    /// @notice Requests waiting to be committed (queued minus consumed by committed blocks).
    function pendingPriorityRequests() external view returns (uint64) {
        return nextPriorityRequestId - firstPriorityRequestId - committedPriorityRequests;
    }

    // ---------------------------------------------------------------- execute and revert

    /// @inheritdoc IRollup
    /// @dev No guard: execution only credits pending balances, it calls no other contract. In exodus the
    ///      operator is gone (address 0) and anyone executes; nothing above R is ever synchronized.
    function executeBlocks(ExecuteBlockInfo[] calldata blocks) external {
        if (msg.sender != operator && !exodusActive) revert Unauthorized(operator, msg.sender);
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata info = blocks[i].storedBlock;
            _checkStoredBlock(info);
            if (info.previousBlock != lastExecutedBlock) revert NonSequentialBlock(lastExecutedBlock, info.previousBlock);
            if (info.blockNumber > lastSynchronizedBlock) {
                revert BlockNotSynchronized(lastSynchronizedBlock, info.blockNumber);
            }
            _executeRecords(blocks[i].records, info.opsHash);
            // Retire the requests this block consumed (their storage is refunded).
            uint64 first = firstPriorityRequestId;
            for (uint64 id = first; id < first + info.priorityOps; ++id) {
                delete priorityRequests[id];
            }
            firstPriorityRequestId = first + info.priorityOps;
            committedPriorityRequests -= info.priorityOps;
            lastExecutedBlock = info.blockNumber;
            emit BlockExecuted(info.blockNumber);
        }
    }

    /// @inheritdoc IRollup
    function revertBlocks(StoredBlockInfo[] calldata blocks) external onlyOperator {
        if (blocks.length == 0) return;
        uint64 from = lastCommittedBlock;
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata info = blocks[i];
            if (info.blockNumber != lastCommittedBlock) revert NonSequentialBlock(lastCommittedBlock, info.blockNumber);
            if (info.blockNumber <= lastSynchronizedBlock) {
                revert CannotRevertSynchronized(lastSynchronizedBlock, info.blockNumber);
            }
            _checkStoredBlock(info);
            committedPriorityRequests -= info.priorityOps;
            delete storedBlockHashes[info.blockNumber];
            lastCommittedBlock = info.previousBlock;
            _afterRevert(info);
        }
        emit BlocksReverted(from, lastCommittedBlock);
    }

    // ---------------------------------------------------------------- exodus (docs/exodus.md)

    /// @inheritdoc IRollup
    function activateExodus() external {
        if (exodusActive) revert ExodusActive();
        uint64 first = firstPriorityRequestId;
        uint64 expiration = first < nextPriorityRequestId ? priorityRequests[first].expirationTimestamp : 0;
        if (expiration == 0 || block.timestamp <= expiration) revert ExodusNotDue(expiration, uint64(block.timestamp));
        _activateExodus(true);
    }

    /// @inheritdoc IRollup
    function refundDeposit(uint64 serialId, address accountOwner, uint16 tokenId, uint128 amount, bytes20 pkh)
        external
    {
        _requireExodusFinished();
        bytes32 expected = serialId >= firstPriorityRequestId ? priorityRequests[serialId].requestHash : bytes32(0);
        bytes32 actual = Operations.depositRequestHash(rollupChainId, tokenId, amount, accountOwner, pkh);
        if (expected != actual) revert PriorityRequestMismatch(serialId, expected, actual);
        delete priorityRequests[serialId];
        _credit(accountOwner, tokenId, amount);
        emit DepositRefunded(serialId, accountOwner, tokenId, amount);
    }

    /// @notice Whether every block at or below R is executed here (so the vault holds its value at R, and
    ///         what is left in the queue was in no block at or below R).
    function exodusFinished() public view returns (bool) {
        return exodusReferenceSet && _executedToReference();
    }

    /// @dev Enter exodus: the operator role ends here, and the role's own bookkeeping follows
    ///      (`_afterExodusActivated`: the primary fixes R and tells the secondaries, a secondary tells the
    ///      primary when `notify`).
    function _activateExodus(bool notify) internal {
        exodusActive = true;
        operator = address(0);
        emit OperatorChanged(address(0));
        emit ExodusActivated();
        _afterExodusActivated(notify);
    }

    function _setExodusReference(uint64 referenceBlock, bytes32 syncHash) internal {
        exodusReferenceSet = true;
        exodusBlock = referenceBlock;
        exodusSyncHash = syncHash;
        emit ExodusReferenceSet(referenceBlock, syncHash);
    }

    function _afterExodusActivated(bool notify) internal virtual;

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IRollup
    function withdrawPendingBalance(address payable owner_, uint16 tokenId) external nonReentrant {
        uint256 amount = pendingBalances[owner_][tokenId];
        if (amount == 0) revert NothingPending(owner_, tokenId);
        if (!_knownToken(tokenId)) revert UnknownTokenId(tokenId);
        pendingBalances[owner_][tokenId] = 0;
        if (tokenId == nativeTokenId) {
            (bool ok,) = owner_.call{value: amount}("");
            if (!ok) revert TransferFailed(owner_, amount);
        } else {
            bytes memory call = abi.encodeCall(IERC20Minimal.transfer, (owner_, amount));
            _callToken(tokenId, tokenAddress[tokenId], call, owner_, amount);
        }
        emit PendingBalanceWithdrawn(owner_, tokenId, amount);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Not before the previous block, not too far from this chain's clock either way.
    function _checkTimestamp(uint64 previous, uint64 timestamp) internal view {
        uint64 earliest = uint64(block.timestamp) > TIMESTAMP_PAST_TOLERANCE
            ? uint64(block.timestamp) - TIMESTAMP_PAST_TOLERANCE
            : 0;
        if (previous > earliest) earliest = previous;
        uint64 latest = uint64(block.timestamp) + TIMESTAMP_FUTURE_TOLERANCE;
        if (timestamp < earliest || timestamp > latest) revert TimestampOutOfRange(earliest, latest, timestamp);
    }

    /// @notice Check one of this chain's own records at commit: a Deposit or FullExit must be this chain's
    ///         next priority request (`serialId`), a Withdraw must name a token mapped here.
    /// @return The serial id of the next request to match.
    function _checkOwnRecord(Operations.OnchainOp memory op, uint64 serialId) internal view returns (uint64) {
        // By kind: a Withdraw is signed on L2 (nothing queued); the other kinds with a record here are the
        // priority kinds (Deposit, FullExit), which must be the queue's next request.
        if (op.opType == uint8(Operations.OpType.Withdraw)) {
            if (!_knownToken(op.tokenId)) revert UnknownTokenId(op.tokenId);
            return serialId;
        }
        bytes32 expected = serialId < nextPriorityRequestId ? priorityRequests[serialId].requestHash : bytes32(0);
        bytes32 actual = Operations.requestHashOf(op);
        if (expected != actual) revert PriorityRequestMismatch(serialId, expected, actual);
        return serialId + 1;
    }

    /// @notice The serial id of the first priority request no committed block has consumed yet.
    function _nextUncommittedRequest() internal view returns (uint64) {
        return firstPriorityRequestId + committedPriorityRequests;
    }

    /// @dev Credit withdrawals and full exits while recomputing h_c over `records`; a mismatch reverts
    ///      the whole call, credits included, so one pass is enough.
    function _executeRecords(bytes calldata records, bytes32 opsHash) private {
        if (records.length % Operations.OP_RECORD_BYTES != 0) {
            revert PartialRecord(records.length - records.length % Operations.OP_RECORD_BYTES, records.length);
        }
        bytes32 h;
        for (uint256 offset = 0; offset < records.length; offset += Operations.OP_RECORD_BYTES) {
            h = SyncHash.foldOp(h, records[offset:offset + Operations.OP_RECORD_BYTES]);
            Operations.OnchainOp memory op = Operations.read(records, offset);
            // The vault follows every kind that moves value across this chain's boundary: deposits in, the
            // kinds that pay out (ops.py's pays_out) out. Unchecked: each amount is below 2^128.
            if (op.opType == uint8(Operations.OpType.Deposit)) {
                unchecked {
                    vault[op.tokenId] += int256(uint256(op.amount));
                }
            } else if (
                op.opType == uint8(Operations.OpType.Withdraw) || op.opType == uint8(Operations.OpType.FullExit)
            ) {
                _creditInOrder(op.ethAddress, op.tokenId, op.amount);
            }
        }
        if (h != opsHash) revert OpsHashMismatch(opsHash, h);
    }

    /// @dev A withdrawal or full exit executed here: the part the vault covers is payable at once (those
    ///      funds are reserved for it: later credits see the vault without them); the rest waits in the
    ///      token's line, behind every earlier shortfall, until executed deposits fund it (`serveShortfalls`).
    ///      So a large full exit on a small chain cannot take what earlier withdrawals were promised.
    function _creditInOrder(address owner_, uint16 tokenId, uint128 amount) private {
        int256 before = vault[tokenId];
        unchecked {
            vault[tokenId] = before - int256(uint256(amount)); // each amount is below 2^128
        }
        uint128 covered = before <= 0 ? 0 : (uint256(before) >= amount ? amount : uint128(uint256(before)));
        _credit(owner_, tokenId, covered);
        if (covered < amount) {
            uint64 tail = shortfallTail[tokenId];
            shortfalls[tokenId][tail] = Shortfall(owner_, amount - covered);
            shortfallTail[tokenId] = tail + 1;
            shortfallTotal[tokenId] += amount - covered;
            emit ShortfallQueued(owner_, tokenId, amount - covered, tail);
        }
    }

    /// @notice Pay the line of `tokenId` in order, from what executed deposits brought since (the vault's
    ///         recovery), at most `maxCount` shortfalls: each served part becomes its owner's pending balance
    ///         (the head's partly, when the funds run out). Anyone may call; it never blocks an exit.
    /// @return served How much of the line it paid.
    function serveShortfalls(uint16 tokenId, uint256 maxCount) external returns (uint256 served) {
        uint256 total = shortfallTotal[tokenId];
        int256 held = vault[tokenId];
        // The vault already counts the whole line as paid out: while it is below zero by X, X of the
        // line has no funds yet.
        uint256 unfunded = held < 0 ? uint256(-held) : 0;
        uint256 funded = total > unfunded ? total - unfunded : 0;
        uint64 head = shortfallHead[tokenId];
        uint64 tail = shortfallTail[tokenId];
        for (uint256 n = 0; n < maxCount && funded > 0 && head < tail; ++n) {
            Shortfall storage s = shortfalls[tokenId][head];
            uint128 pay = funded >= s.amount ? s.amount : uint128(funded);
            _credit(s.owner, tokenId, pay);
            funded -= pay;
            served += pay;
            s.amount -= pay;
            if (s.amount == 0) {
                delete shortfalls[tokenId][head];
                ++head;
            }
        }
        shortfallHead[tokenId] = head;
        shortfallTotal[tokenId] = total - served;
    }

    /// @dev Role-specific bookkeeping when `info` is reverted.
    function _afterRevert(StoredBlockInfo calldata info) internal virtual;

    /// @dev The account's L1 owner is the address the request names, not its sender: whoever pays for a
    ///      deposit, the forced exit and a refund belong to the owner (docs/protocol.md section 5).
    function _queueDeposit(uint16 tokenId, uint256 amount, bytes20 pkh, address accountOwner) private {
        if (amount == 0 || amount > type(uint128).max) revert InvalidAmount(amount);
        if (amount < minDeposit[tokenId]) revert DepositTooSmall(tokenId, minDeposit[tokenId], amount);
        if (pkh == bytes20(0)) revert ZeroPublicKeyHash();
        if (accountOwner == address(0)) revert ZeroOwner();
        bytes32 requestHash =
            Operations.depositRequestHash(rollupChainId, tokenId, uint128(amount), accountOwner, pkh);
        _queue(uint8(Operations.OpType.Deposit), accountOwner, tokenId, uint128(amount), pkh, 0, requestHash);
    }

    function _queue(
        uint8 opType,
        address account,
        uint16 tokenId,
        uint128 amount,
        bytes20 pkh,
        uint32 accountIndex,
        bytes32 requestHash
    ) private {
        uint64 serialId = nextPriorityRequestId++;
        uint64 expiration = uint64(block.timestamp) + priorityExpirationSeconds;
        priorityRequests[serialId] = PriorityRequest(requestHash, expiration);
        emit PriorityRequestQueued(serialId, opType, account, tokenId, amount, pkh, accountIndex, requestHash, expiration);
    }

    function _safeTransferFrom(uint16 tokenId, address token, address from, uint256 amount) private {
        bytes memory call = abi.encodeCall(IERC20Minimal.transferFrom, (from, address(this), amount));
        _callToken(tokenId, token, call, address(this), amount);
    }

    /// @dev A token call that must succeed and return true or nothing. A call to an address without code
    ///      succeeds with no data, so an empty answer counts only from an address that holds code (checked
    ///      only then: a token that returns true costs no extra code lookup).
    function _callToken(uint16 tokenId, address token, bytes memory call, address to, uint256 amount) private {
        (bool ok, bytes memory data) = token.call(call);
        if (!ok || (data.length != 0 && !abi.decode(data, (bool)))) revert TransferFailed(to, amount);
        if (data.length == 0 && token.code.length == 0) revert TokenHasNoCode(tokenId, token);
    }
}
