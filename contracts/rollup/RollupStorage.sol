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
        uint64 priorityExpirationBlocks;
        address operator;
        address messenger; // the IMessenger that carries sync messages
        bytes32 genesisStateRoot; // state root of block 0 (the empty tree)
    }

    /// @notice Seconds a block timestamp may run ahead of this chain's clock.
    uint64 public constant TIMESTAMP_FUTURE_TOLERANCE = 15 minutes;
    /// @notice Seconds a block timestamp may lag behind this chain's clock when it is committed.
    uint64 public constant TIMESTAMP_PAST_TOLERANCE = 7 days;

    /// @notice How long (in L1 blocks) the sequencer has to process a priority request.
    uint64 public immutable priorityExpirationBlocks;
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
    mapping(uint64 serialId => IRollup.PriorityRequest) public priorityRequests;

    // ---- tokens: L2 token id 0 is ETH (address(0)) everywhere ----
    mapping(uint16 tokenId => address) public tokenAddress;
    mapping(address token => uint16) public tokenIdOf;

    // ---- pull-based payouts ----
    /// @notice What execution credited to `owner` in `tokenId` and nobody has pushed out yet. 256-bit: each
    ///         credit is below 2^128 and more than 2^128 credits cannot happen, so adding never overflows and
    ///         execution never reverts on an owner's balance (a mapping value takes a full slot either way).
    mapping(address owner => mapping(uint16 tokenId => uint256)) public pendingBalances;

    uint256 private reentrancyLock = 1;

    constructor(RollupParams memory params) {
        if (params.operator == address(0)) revert ZeroAddress();
        rollupChainId = params.rollupChainId;
        treeDepth = params.treeDepth;
        priorityExpirationBlocks = params.priorityExpirationBlocks;
        messenger = params.messenger;
        owner = msg.sender;
        operator = params.operator;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(owner, msg.sender);
        _;
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert Unauthorized(operator, msg.sender);
        _;
    }

    modifier nonReentrant() {
        if (reentrancyLock != 1) revert Reentrancy();
        reentrancyLock = 2;
        _;
        reentrancyLock = 1;
    }
}
