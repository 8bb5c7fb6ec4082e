// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "../interfaces/IRollup.sol";
import "../common/Errors.sol";

/// @title RollupStorage
/// @notice The one storage layout and the modifiers of every rollup contract (primary and secondary).
/// @dev Every rollup runs behind an ERC-1967 proxy (docs/security.md): an upgrade may only append state
///      variables here. The OpenZeppelin bases (ownership, upgrades, initializers, the transient re-entrancy
///      guard) keep their state in ERC-7201 namespaced slots, clear of this sequential layout.
abstract contract RollupStorage {
    /// @notice What every rollup implementation is built with (immutables: the same for every proxy of it).
    struct RollupParams {
        uint8 rollupChainId; // this chain's rollup chain id (1..8)
        uint8 treeDepth; // binary depth of the state tree
        uint64 priorityExpirationSeconds;
        uint64 pauseSeconds; // how long a guardian's pause lasts
        uint16 nativeTokenId; // the L2 token this chain's native coin is (0, ETH, unless the coin is another)
        address messenger; // the IMessenger that carries sync messages
    }

    /// @notice Seconds a block timestamp may run ahead of this chain's clock.
    uint64 public constant TIMESTAMP_FUTURE_TOLERANCE = 15 minutes;
    /// @notice Seconds a block timestamp may lag behind this chain's clock when it is committed.
    uint64 public constant TIMESTAMP_PAST_TOLERANCE = 7 days;

    /// @notice Seconds the operator has to execute a priority request before anyone may start exodus
    ///         (seconds, not blocks: the same window on chains with different block times; docs/exodus.md).
    uint64 public immutable priorityExpirationSeconds;
    /// @notice This chain's rollup chain id (1..8).
    uint8 public immutable rollupChainId;
    /// @notice The L2 token this chain's native coin is: 0 (ETH) on chains whose coin is ETH. On a chain whose
    ///         coin is another, `depositETH` credits that token, and L2 ETH has no way in or out there: a
    ///         cheap coin never becomes ETH one for one (docs/security.md).
    uint16 public immutable nativeTokenId;
    /// @notice State tree depth in binary levels: account indices are below 2^depth.
    uint8 public immutable treeDepth;
    /// @notice The messenger that carries sync reports and confirmations.
    address public immutable messenger;
    /// @notice Seconds a guardian's pause of deposits and commits lasts; at most a quarter of the exodus
    ///         window, so a pause cannot run out the operator's time to serve the queue (docs/security.md).
    uint64 public immutable pauseSeconds;

    address public operator;
    /// @notice May pause deposits and commits for `pauseSeconds`, nothing else (docs/security.md).
    address public guardian;

    // ---- block counters (block numbers; docs/settlement.md) ----
    uint64 public lastCommittedBlock;
    uint64 public lastSynchronizedBlock;
    uint64 public lastExecutedBlock;
    /// @notice keccak256(abi.encode(StoredBlockInfo)) of each committed block, by block number.
    mapping(uint64 blockNumber => bytes32) public storedBlockHashes;

    // ---- cross-chain peers, by rollup chain id ----
    mapping(uint8 rollupChainId => IRollup.Peer) public peers;

    // ---- priority queue ----
    /// @notice Serial id of the oldest request not yet executed.
    uint64 public firstPriorityRequestId;
    /// @notice Serial id the next request gets.
    uint64 public nextPriorityRequestId;
    /// @notice Requests consumed by committed but not yet executed blocks.
    uint64 public committedPriorityRequests;
    /// @notice Set once, never cleared (docs/exodus.md): the operator role is gone, blocks at or below R
    ///         execute by anyone. It shares the queue's slot, which deposits read anyway.
    bool public exodusActive;
    /// @notice Deposits and commits are refused before this time (a guardian's pause). It shares the queue's
    ///         slot, which deposits and commits read anyway.
    uint48 public pausedUntil;
    mapping(uint64 serialId => IRollup.PriorityRequest) public priorityRequests;

    // ---- tokens: L2 token id 0 is ETH (address(0)) everywhere ----
    mapping(uint16 tokenId => address) public tokenAddress;
    mapping(address token => uint16) public tokenIdOf;

    // ---- pull-based payouts ----
    /// @notice What execution credited to `owner` in `tokenId` and nobody has pushed out yet. 256-bit: each
    ///         credit is below 2^128 and more than 2^128 credits cannot happen, so adding never overflows and
    ///         execution never reverts on an owner's balance (a mapping value takes a full slot either way).
    mapping(address owner => mapping(uint16 tokenId => uint256)) public pendingBalances;

    // ---- exodus (docs/exodus.md) ----
    /// @notice Whether R (`exodusBlock`) is known here: at activation on the primary, from its message on a
    ///         secondary.
    bool public exodusReferenceSet;
    /// @notice R: the primary's last synchronized block when it entered exodus; every exit uses its state.
    uint64 public exodusBlock;
    /// @notice This chain's sync hash S_c(R): its last block at or below R is the one committed with it.
    bytes32 public exodusSyncHash;
    /// @notice L2-owned liquidity per token on this chain: executed deposits minus executed withdrawals and
    ///         full exits. Signed: the circuit does not stop an operator from over-withdrawing one chain.
    mapping(uint16 tokenId => int256) public vault;
    /// @notice The decimals of each registered token, which its L2 token has on every chain (checked
    ///         against the token at registration; the native coin has 18).
    mapping(uint16 tokenId => uint8) public tokenDecimals;
    /// @notice The smallest deposit of each token: dust cannot take the state tree's leaves for free
    ///         (every new owner and token takes one, never freed).
    mapping(uint16 tokenId => uint128) public minDeposit;

    // ---- shortfalls: credits this chain's vault could not cover when executed, paid in execution order
    /// @notice One owner's uncovered part of a credit, waiting in its token's line.
    struct Shortfall {
        address owner;
        uint128 amount;
    }
    mapping(uint16 tokenId => mapping(uint64 position => Shortfall)) public shortfalls;
    /// @notice The line of each token: positions [head, tail) wait, the head is served first.
    mapping(uint16 tokenId => uint64) public shortfallHead;
    mapping(uint16 tokenId => uint64) public shortfallTail;
    /// @notice What the line of each token still waits for, in all.
    mapping(uint16 tokenId => uint256) public shortfallTotal;

    constructor(RollupParams memory params) {
        if (params.messenger == address(0)) revert ZeroAddress();
        if (params.pauseSeconds == 0 || params.pauseSeconds > params.priorityExpirationSeconds / 4) {
            revert PauseLength(params.priorityExpirationSeconds / 4, params.pauseSeconds);
        }
        rollupChainId = params.rollupChainId;
        nativeTokenId = params.nativeTokenId;
        treeDepth = params.treeDepth;
        priorityExpirationSeconds = params.priorityExpirationSeconds;
        pauseSeconds = params.pauseSeconds;
        messenger = params.messenger;
    }

    /// @dev Exodus clears `operator`, so this also stops every operator call then, at no cost before: the
    ///      exodus flag is read only on the way to a refusal, to name it.
    modifier onlyOperator() {
        if (msg.sender != operator) _refuseCaller();
        _;
    }

    modifier whenNotExodus() {
        if (exodusActive) revert ExodusActive();
        _;
    }

    /// @dev New deposits and commits only: exits, exodus, refunds and payouts are never paused.
    modifier whenNotPaused() {
        if (block.timestamp < pausedUntil) revert RollupPaused(pausedUntil);
        _;
    }

    function _refuseCaller() internal view {
        if (exodusActive) revert ExodusActive();
        revert Unauthorized(operator, msg.sender);
    }

    // ---------------------------------------------------------------- helpers every part of a rollup shares

    /// @notice The hash a committed block is stored under.
    function hashStoredBlockInfo(IRollup.StoredBlockInfo memory info) public pure returns (bytes32) {
        return keccak256(abi.encode(info));
    }

    function _checkStoredBlock(IRollup.StoredBlockInfo calldata info) internal view {
        bytes32 stored = storedBlockHashes[info.blockNumber];
        bytes32 given = hashStoredBlockInfo(info);
        if (stored != given) revert StoredBlockMismatch(info.blockNumber, stored, given);
    }

    /// @dev Whether L2 token `tokenId` has a way in and out on this chain (its native coin or a mapped
    ///      ERC-20).
    function _knownToken(uint16 tokenId) internal view returns (bool) {
        return tokenId == nativeTokenId || tokenAddress[tokenId] != address(0);
    }

    function _requireExodusFinished() internal view {
        if (!exodusActive) revert ExodusNotActive();
        if (!exodusReferenceSet) revert ExodusReferenceUnknown();
        if (!_executedToReference()) revert ExodusNotFinished(exodusBlock, lastExecutedBlock);
    }

    /// @dev Every block at or below R executed here (R known).
    function _executedToReference() internal view virtual returns (bool);

    /// @dev Never reverts: the balance is 256-bit and each credit below 2^128, so the sum would need more
    ///      than 2^128 credits to overflow (unchecked says so; a revert here would make the block, which is
    ///      synchronized and can never be reverted, unexecutable forever).
    function _credit(address owner_, uint16 tokenId, uint128 amount) internal {
        if (amount == 0) return;
        unchecked {
            pendingBalances[owner_][tokenId] += amount;
        }
        emit IRollup.PendingBalanceCredited(owner_, tokenId, amount);
    }
}
