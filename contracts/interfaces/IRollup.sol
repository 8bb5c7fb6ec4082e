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
        uint64 expirationTimestamp; // after it, an unexecuted request lets anyone start exodus (docs/exodus.md)
    }

    /// @notice A block's own records, passed back for execution (checked against the stored h_c).
    struct ExecuteBlockInfo {
        StoredBlockInfo storedBlock;
        bytes records; // this chain's on-chain records of the block, 64 bytes each, in order
    }

    /// @notice A cross-chain peer: the rollup contract of another rollup chain.
    struct Peer {
        uint256 evmChainId;
        address rollup;
    }

    /// @notice A priority request was queued (serial ids count from 0 per chain).
    event PriorityRequestQueued(
        uint64 indexed serialId,
        uint8 indexed opType, // an Operations.OpType (Deposit or FullExit)
        address indexed account,
        uint16 tokenId,
        uint128 amount,
        bytes20 pkh,
        uint32 accountIndex,
        bytes32 requestHash,
        uint64 expirationTimestamp
    );
    event BlockExecuted(uint64 indexed blockNumber);
    /// @notice Blocks above `toBlock` up to `fromBlock` were reverted; their requests are back in the queue.
    event BlocksReverted(uint64 fromBlock, uint64 toBlock);
    /// @notice This chain's synchronized block advanced to `blockNumber` (all blocks up to it confirmed).
    event BlocksSynchronized(uint64 indexed blockNumber, bytes32 syncHash);
    event PeerSet(uint8 indexed rollupChainId, uint256 evmChainId, address rollup);
    event PendingBalanceCredited(address indexed owner, uint16 indexed tokenId, uint128 amount);
    /// @notice `amount` (every credit not pushed out yet, which may exceed 2^128) was paid to `owner`.
    event PendingBalanceWithdrawn(address indexed owner, uint16 indexed tokenId, uint256 amount);
    /// @notice `amount` of a credit to `owner` the vault could not cover waits at `position` in its token's
    ///         line (RollupBase.serveShortfalls).
    event ShortfallQueued(address indexed owner, uint16 indexed tokenId, uint128 amount, uint64 position);
    event TokenRegistered(uint16 indexed tokenId, address indexed token);
    event OperatorChanged(address indexed operator);
    /// @notice This chain entered exodus: no stage moves any more (docs/exodus.md).
    event ExodusActivated();
    /// @notice The exodus reference block R (the primary's last synchronized block when it activated) and
    ///         this chain's sync hash at R, which its last block at or below R carries.
    event ExodusReferenceSet(uint64 referenceBlock, bytes32 syncHash);
    /// @notice A deposit that no block at or below R included was credited back to the owner it named.
    event DepositRefunded(uint64 indexed serialId, address indexed owner, uint16 tokenId, uint128 amount);

    /// @notice Deposit this chain's native coin to the L2 account of (`pkh`, `accountOwner`). The account's L1
    ///         owner is `accountOwner`, not the sender: only it may force the account out (full exit, exodus
    ///         exit), and a refund in exodus goes to it. To fund someone, name their key and their address.
    function depositETH(bytes20 pkh, address accountOwner) external payable;

    /// @notice Deposit an ERC-20 (already approved, registered, so holding code) to the account of (`pkh`,
    ///         `accountOwner`), as `depositETH`; credits the amount that actually arrived.
    function depositERC20(address token, uint128 amount, bytes20 pkh, address accountOwner) external;

    /// @notice Ask for the whole balance of `accountIndex` in `tokenId` to be paid on this chain. The
    ///         sequencer must process it; if the sender does not own the account, it exits zero.
    function requestFullExit(uint32 accountIndex, uint16 tokenId) external;

    /// @notice Execute blocks up to this chain's synchronized block, in order: withdrawals and full exits
    ///         become pending balances (256-bit: crediting never overflows, so no owner's state can make a
    ///         synchronized block unexecutable), consumed priority requests are retired, the vault follows.
    ///         The operator's call; in exodus anyone's (blocks at or below R only: nothing above is
    ///         synchronized).
    function executeBlocks(ExecuteBlockInfo[] calldata blocks) external;

    /// @notice Revert committed blocks, newest first, all above the synchronized block (operator only).
    function revertBlocks(StoredBlockInfo[] calldata blocks) external;

    /// @notice Start exodus on this chain: anyone, once the oldest request not yet executed here is past its
    ///         deadline (`ExodusNotDue` before). Stops every stage here and tells the other chains through
    ///         the messenger (a secondary tells the primary, the primary every secondary, with R).
    function activateExodus() external;

    /// @notice In exodus, after every block at or below R is executed here: credit back to its owner a
    ///         deposit still in this chain's queue (no block at or below R included it). Anyone may call; the
    ///         request's hash proves the fields, and it is deleted, so it refunds once.
    function refundDeposit(uint64 serialId, address accountOwner, uint16 tokenId, uint128 amount, bytes20 pkh)
        external;

    /// @notice Pay `owner` its whole pending balance of `tokenId` (anyone may push it). A refusing owner or
    ///         token fails only this call: execution only credits, so it never depends on it. ERC-20 payouts
    ///         need a token with code (`TokenHasNoCode`) that returns true or nothing (`TransferFailed`).
    function withdrawPendingBalance(address payable owner, uint16 tokenId) external;
}
