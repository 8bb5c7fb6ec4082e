// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IRollup} from "../interfaces/IRollup.sol";
import "../common/Errors.sol";

/// @title RollupStorage
/// @notice The one storage layout and the modifiers of every rollup contract (primary and secondary).
abstract contract RollupStorage {
    /// @notice What every rollup contract is deployed with.
    struct RollupParams {
        uint8 rollupChainId; // this chain's rollup chain id (1..8)
        uint8 treeDepth; // binary depth of the state tree
        uint64 priorityExpirationSeconds;
        address operator;
        address messenger; // the IMessenger that carries sync messages
        bytes32 genesisStateRoot; // state root of block 0 (the empty tree)
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
    /// @notice State tree depth in binary levels: account indices are below 2^depth.
    uint8 public immutable treeDepth;
    /// @notice The messenger that carries sync reports and confirmations.
    address public immutable messenger;

    address public owner;
    address public operator;

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

    uint256 private reentrancyLock = 1;

    constructor(RollupParams memory params) {
        if (params.operator == address(0)) revert ZeroAddress();
        rollupChainId = params.rollupChainId;
        treeDepth = params.treeDepth;
        priorityExpirationSeconds = params.priorityExpirationSeconds;
        messenger = params.messenger;
        owner = msg.sender;
        operator = params.operator;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(owner, msg.sender);
        _;
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

    modifier nonReentrant() {
        if (reentrancyLock != 1) revert Reentrancy();
        reentrancyLock = 2;
        _;
        reentrancyLock = 1;
    }

    function _refuseCaller() internal view {
        if (exodusActive) revert ExodusActive();
        revert Unauthorized(operator, msg.sender);
    }
}
