// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "../interfaces/IRollup.sol";
import {Operations} from "../libraries/Operations.sol";
import {RollupStorage} from "./RollupStorage.sol";
import "../common/Errors.sol";

interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title RollupBase
/// @notice What every chain does: queue deposits and full-exit requests, map tokens, hold pending balances.
/// @dev Commit, prove and synchronization differ between the primary and the secondaries and live there.
abstract contract RollupBase is IRollup, RollupStorage {
    constructor(uint8 rollupChainId_, uint8 treeDepth_, uint64 priorityExpirationBlocks_, address operator_)
        RollupStorage(rollupChainId_, treeDepth_, priorityExpirationBlocks_, operator_)
    {}

    // ---------------------------------------------------------------- governance

    /// @notice Map L2 token `tokenId` (1..) to the local ERC-20 `token`, once.
    function registerToken(uint16 tokenId, address token) external onlyOwner {
        if (token == address(0)) revert ZeroAddress();
        if (tokenId == 0 || tokenAddress[tokenId] != address(0) || tokenIdOf[token] != 0) {
            revert TokenAlreadyRegistered(tokenId, token);
        }
        tokenAddress[tokenId] = token;
        tokenIdOf[token] = tokenId;
        emit TokenRegistered(tokenId, token);
    }

    function setOperator(address operator_) external onlyOwner {
        if (operator_ == address(0)) revert ZeroAddress();
        operator = operator_;
        emit OperatorChanged(operator_);
    }

    // ---------------------------------------------------------------- priority queue

    /// @inheritdoc IRollup
    function depositETH(bytes20 pkh) external payable nonReentrant {
        _queueDeposit(0, msg.value, pkh);
    }

    /// @inheritdoc IRollup
    function depositERC20(address token, uint128 amount, bytes20 pkh) external nonReentrant {
        uint16 tokenId = tokenIdOf[token];
        if (tokenId == 0) revert TokenNotRegistered(token);
        uint256 before = IERC20Minimal(token).balanceOf(address(this));
        _safeTransferFrom(token, msg.sender, amount);
        // Fee-on-transfer and rebasing tokens: credit what actually arrived.
        _queueDeposit(tokenId, IERC20Minimal(token).balanceOf(address(this)) - before, pkh);
    }

    /// @inheritdoc IRollup
    function requestFullExit(uint32 accountIndex, uint16 tokenId) external {
        uint32 maxIndex = uint32((uint256(1) << treeDepth) - 1);
        if (accountIndex > maxIndex) revert AccountIndexOutOfRange(maxIndex, accountIndex);
        if (tokenId != 0 && tokenAddress[tokenId] == address(0)) revert UnknownTokenId(tokenId);
        bytes32 requestHash = Operations.fullExitRequestHash(rollupChainId, accountIndex, tokenId, msg.sender);
        _queue(Operations.FULL_EXIT, msg.sender, tokenId, 0, bytes20(0), accountIndex, requestHash);
    }

    /// @notice Requests waiting to be committed (queued minus consumed by committed blocks).
    function pendingPriorityRequests() external view returns (uint64) {
        return nextPriorityRequestId - firstPriorityRequestId - committedPriorityRequests;
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IRollup
    function withdrawPendingBalance(address payable owner_, uint16 tokenId) external nonReentrant {
        uint128 amount = pendingBalances[owner_][tokenId];
        if (amount == 0) revert NothingPending(owner_, tokenId);
        pendingBalances[owner_][tokenId] = 0;
        if (tokenId == 0) {
            (bool ok,) = owner_.call{value: amount}("");
            if (!ok) revert TransferFailed(owner_, amount);
        } else {
            address token = tokenAddress[tokenId];
            (bool ok, bytes memory data) = token.call(abi.encodeCall(IERC20Minimal.transfer, (owner_, amount)));
            if (!ok || (data.length != 0 && !abi.decode(data, (bool)))) revert TransferFailed(owner_, amount);
        }
        emit PendingBalanceWithdrawn(owner_, tokenId, amount);
    }

    // ---------------------------------------------------------------- internals

    function _queueDeposit(uint16 tokenId, uint256 amount, bytes20 pkh) private {
        if (amount == 0 || amount > type(uint128).max) revert InvalidAmount(amount);
        if (pkh == bytes20(0)) revert ZeroPublicKeyHash();
        bytes32 requestHash = Operations.depositRequestHash(rollupChainId, tokenId, uint128(amount), msg.sender, pkh);
        _queue(Operations.DEPOSIT, msg.sender, tokenId, uint128(amount), pkh, 0, requestHash);
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
        uint64 expiration = uint64(block.number) + priorityExpirationBlocks;
        priorityRequests[serialId] = PriorityRequest(requestHash, expiration);
        emit PriorityRequestQueued(serialId, opType, account, tokenId, amount, pkh, accountIndex, requestHash, expiration);
    }

    function _credit(address owner_, uint16 tokenId, uint128 amount) internal {
        if (amount == 0) return;
        pendingBalances[owner_][tokenId] += amount;
        emit PendingBalanceCredited(owner_, tokenId, amount);
    }

    function _safeTransferFrom(address token, address from, uint256 amount) private {
        (bool ok, bytes memory data) =
            token.call(abi.encodeCall(IERC20Minimal.transferFrom, (from, address(this), amount)));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool)))) revert TransferFailed(address(this), amount);
    }
}
