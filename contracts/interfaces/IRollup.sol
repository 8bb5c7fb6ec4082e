// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title IRollup
/// @notice What every chain's rollup contract shares: the priority queue (deposits and full-exit
///         requests), execution, pending balances and reverts. docs/settlement.md describes the rules,
///         docs/protocol.md the encodings.
interface IRollup {
    /// @notice A committed block as stored (by hash) on a chain. Callers pass it back; the contract
    ///         compares its hash with the stored one.
    struct StoredBlockInfo {
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 stateRoot;
        bytes32 commitment; // sha256(header || public data); zero on secondaries (they hold no full data)
        bytes32 opsHash; // h_c of this chain's own records in the block
        bytes32 syncHash; // S_c after this block for this chain
        uint64 priorityOps; // this chain's priority requests the block consumed
        uint64 previousBlock; // the block committed before it on this chain (secondaries skip blocks)
    }

    /// @notice One request waiting in this chain's priority queue.
    struct PriorityRequest {
        bytes32 requestHash; // Operations.depositRequestHash or fullExitRequestHash
        uint64 expirationBlock; // L1 block after which an unprocessed request lets the chain enter exodus
    }

    /// @notice A priority request was queued (serial ids count from 0 per chain).
    event PriorityRequestQueued(
        uint64 indexed serialId,
        uint8 indexed opType,
        address indexed account,
        uint16 tokenId,
        uint128 amount,
        bytes20 pkh,
        uint32 accountIndex,
        bytes32 requestHash,
        uint64 expirationBlock
    );
    event BlockCommitted(uint64 indexed blockNumber, bytes32 stateRoot, bytes32 opsHash, bytes32 syncHash);
    event BlockExecuted(uint64 indexed blockNumber);
    event BlocksReverted(uint64 fromBlock, uint64 toBlock);
    event PendingBalanceCredited(address indexed owner, uint16 indexed tokenId, uint128 amount);
    event PendingBalanceWithdrawn(address indexed owner, uint16 indexed tokenId, uint128 amount);
    event TokenRegistered(uint16 indexed tokenId, address indexed token);
    event OperatorChanged(address indexed operator);

    /// @notice Deposit ETH to the L2 account of `pkh` owned on L1 by the sender.
    function depositETH(bytes20 pkh) external payable;

    /// @notice Deposit an ERC-20 (already approved); credits the amount that actually arrived.
    function depositERC20(address token, uint128 amount, bytes20 pkh) external;

    /// @notice Ask for the whole balance of `accountIndex` in `tokenId` to be paid on this chain. The
    ///         sequencer must process it; if the sender does not own the account, it exits zero.
    function requestFullExit(uint32 accountIndex, uint16 tokenId) external;

    /// @notice Pay `owner` its pending balance of `tokenId` (anyone may push it).
    function withdrawPendingBalance(address payable owner, uint16 tokenId) external;
}
