// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {RollupBase} from "../rollup/RollupBase.sol";

/// @title QueueHarness
/// @notice TEST-ONLY: RollupBase alone (priority queue, tokens, payouts) with hooks that credit pending
///         balances and map tokens directly, so the queue and payout tests need no blocks, proofs or peers.
contract QueueHarness is RollupBase {
    constructor(RollupParams memory params) RollupBase(params) {}

    /// @notice TEST-ONLY: what execution does for a withdrawal.
    function testCredit(address owner_, uint16 tokenId, uint128 amount) external onlyOperator {
        _credit(owner_, tokenId, amount);
    }

    /// @notice TEST-ONLY: map `tokenId` to `token` without `registerToken`'s checks, as if a registered token
    ///         had lost its code (the payout must then refuse, not report a transfer that moved nothing).
    function testMapToken(uint16 tokenId, address token) external onlyOperator {
        tokenAddress[tokenId] = token;
        tokenIdOf[token] = tokenId;
    }

    function _afterRevert(StoredBlockInfo calldata) internal override {}

    function _genesis(bytes32 stateRoot) internal pure override returns (StoredBlockInfo memory genesis) {
        genesis.stateRoot = stateRoot;
    }

    /// @dev A chain without peers: R is its own synchronized block, as on a primary alone.
    function _afterExodusActivated(bool) internal override {
        _setExodusReference(lastSynchronizedBlock, bytes32(0));
    }

    function _executedToReference() internal view override returns (bool) {
        return lastExecutedBlock == exodusBlock;
    }
}
