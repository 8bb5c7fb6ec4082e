// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

// Every custom error of the project's contracts, in one file (after matter-labs era-contracts).
// Where a check compares two values, the error carries (expected, actual).

// ---- access ----
/// @notice The caller is not the account the function is reserved for.
error Unauthorized(address expected, address actual);
/// @notice A zero address where a real one is required.
error ZeroAddress();

// ---- messenger ----
/// @notice Fewer valid validator attestations than the threshold.
error NotEnoughAttestations(uint256 required, uint256 provided);
/// @notice The message is addressed to another chain.
error WrongDestination(uint256 expected, uint256 actual);
/// @notice The message (source chain, nonce) was already delivered.
error AlreadyDelivered(uint256 sourceChainId, uint64 nonce);
/// @notice A batch delivery names a different number of signature lists than messages.
error BatchLength(uint256 messages, uint256 signatureLists);
/// @notice An attestation is not from a current validator (or does not recover).
error UnknownValidator(address signer);
/// @notice Attestations must be ordered by strictly ascending signer address (no signer counted twice).
error SignersNotAscending(address previous, address current);
/// @notice A signature with a high s value or a bad v (malleable form).
error MalleableSignature(uint256 index);
/// @notice A validator set must be non-empty, without zero or repeated addresses, with 1 <= threshold <= size.
error InvalidValidatorSet(uint256 size, uint256 threshold);

// ---- priority queue and tokens ----
/// @notice The token has no L2 token id on this chain.
error TokenNotRegistered(address token);
/// @notice The L2 token id has no local token on this chain.
error UnknownTokenId(uint16 tokenId);
/// @notice A token id or address may be registered once.
error TokenAlreadyRegistered(uint16 tokenId, address token);
/// @notice Deposits must be positive and below 2^128 (balances are 128-bit on L2).
error InvalidAmount(uint256 amount);
/// @notice The L2 owner key hash must not be zero (zero marks an empty account).
error ZeroPublicKeyHash();
/// @notice A deposit must name its account's L1 owner: address zero could never force the account out.
error ZeroOwner();
/// @notice The account index is outside the state tree.
error AccountIndexOutOfRange(uint32 maxIndex, uint32 accountIndex);
/// @notice Nothing pending for this owner and token.
error NothingPending(address owner, uint16 tokenId);
/// @notice Sending value out failed.
error TransferFailed(address to, uint256 amount);
/// @notice The token address holds no contract code: a call to it would succeed without moving anything,
///         so it is never registered and never called as a token.
error TokenHasNoCode(uint16 tokenId, address token);

// ---- blocks: commit, prove, synchronize, execute, revert ----
/// @notice Blocks are committed, proven, synchronized and executed in order; this one is out of turn.
error NonSequentialBlock(uint64 expected, uint64 actual);
/// @notice The StoredBlockInfo passed in does not hash to what the chain stored for that block.
error StoredBlockMismatch(uint64 blockNumber, bytes32 expected, bytes32 actual);
/// @notice A block timestamp before the previous block's or too far from this chain's clock.
error TimestampOutOfRange(uint64 earliest, uint64 latest, uint64 actual);
/// @notice A primary's block public data is not N_OP on-chain records and the L2-section commitment.
error PublicDataLength(uint256 expected, uint256 actual);
/// @notice A secondary's records of one block are not whole 64-byte records, at most one per on-chain slot.
error RecordsLength(uint256 maxLength, uint256 actual);
/// @notice The records passed to execution are not whole 64-byte records (`expected`: the length rounded
///         down to whole records).
error PartialRecord(uint256 expected, uint256 actual);
/// @notice One sync hash per rollup chain is expected.
error SyncHashCount(uint256 expected, uint256 actual);
/// @notice One report block per rollup chain is expected.
error ReportBlockCount(uint256 expected, uint256 actual);
/// @notice One proof per block is expected.
error ProofCount(uint256 expected, uint256 actual);
/// @notice An on-chain record's type byte is not Noop, Deposit, Withdraw or FullExit (or Noop where an
///         operation is required).
error InvalidOperationType(uint256 index, uint8 opType);
/// @notice An on-chain record names a rollup chain that is not part of this deployment.
error UnknownChainId(uint256 index, uint8 chainId);
/// @notice A secondary got a record (or a confirmation) for another chain.
error WrongChainId(uint8 expected, uint8 actual);
/// @notice A primary's own rollup chain id must be one of its 1..chainCount chains, and chainCount <= 8.
error InvalidChainCount(uint8 rollupChainId, uint8 chainCount);
/// @notice A secondary's primary must be another rollup chain than its own.
error PrimaryIsSelf(uint8 rollupChainId);
/// @notice A committed Deposit or FullExit does not match this chain's next priority request
///         (expected is zero when the queue holds no further request).
error PriorityRequestMismatch(uint64 serialId, bytes32 expected, bytes32 actual);
/// @notice A secondary commits only blocks that carry operations for it.
error NoOperationsForChain(uint64 blockNumber);
/// @notice The per-chain sync hashes passed in do not hash to the stored block's value.
error SyncHashesMismatch(bytes32 expected, bytes32 actual);
/// @notice The Groth16 proofs of blocks `firstBlock`..`lastBlock`, checked together, do not all verify
///         against their blocks' stored commitments (the operator checks each proof before it sends them).
error InvalidProof(uint64 firstBlock, uint64 lastBlock);
/// @notice The block is not proven yet.
error BlockNotProven(uint64 lastProven, uint64 blockNumber);
/// @notice The block is not synchronized (confirmed) on this chain yet.
error BlockNotSynchronized(uint64 lastSynchronized, uint64 blockNumber);
/// @notice No sync report from `chainId` covers the block being synchronized.
error MissingSyncReport(uint8 chainId, uint64 blockNumber);
/// @notice A secondary's reported sync hash differs from the one derived from the proven data.
error SyncHashMismatch(uint8 chainId, bytes32 expected, bytes32 reported);
/// @notice A confirmation names a sync hash this secondary did not commit for that block.
error ConfirmationMismatch(uint64 blockNumber, bytes32 committed, bytes32 confirmed);
/// @notice A cross-chain message from an address that is not the registered peer rollup.
error NotPeer(uint256 sourceChainId, address sender);
/// @notice The rollup chain has no registered peer contract.
error PeerNotRegistered(uint8 chainId);
/// @notice A cross-chain message this contract does not accept.
error UnknownMessageKind(uint8 kind);
/// @notice The records passed to execution do not hash to the block's stored h_c.
error OpsHashMismatch(bytes32 expected, bytes32 actual);
/// @notice Blocks at or below the synchronized block can never be reverted.
error CannotRevertSynchronized(uint64 lastSynchronized, uint64 blockNumber);
/// @notice A sync report for a block at or below the last reported or synchronized block (`floor`).
error NothingToReport(uint64 blockNumber, uint64 floor);
/// @notice This chain holds no committed block with that number (secondaries hold only blocks with their ops).
error BlockNotCommittedHere(uint64 blockNumber, uint64 lastCommitted);
/// @notice A cross-chain payload of the wrong length.
error MalformedMessage(uint256 expectedLength, uint256 actualLength);

// ---- exodus (docs/exodus.md) ----
/// @notice The chain is in exodus: no stage, deposit or request moves any more.
error ExodusActive();
/// @notice Only in exodus.
error ExodusNotActive();
/// @notice The oldest unexecuted request's deadline has not passed (`expiration` 0: the queue is empty).
error ExodusNotDue(uint64 expiration, uint64 currentTimestamp);
/// @notice The exodus reference block R is not known here yet (a secondary learns it from the primary).
error ExodusReferenceUnknown();
/// @notice Blocks at or below R remain to be executed here first (the last executed block is given).
error ExodusNotFinished(uint64 referenceBlock, uint64 lastExecuted);
/// @notice A confirmation for a block above the exodus reference block R.
error AboveExodusReference(uint64 referenceBlock, uint64 blockNumber);
/// @notice This account has exited already (on any chain: the primary keeps the one exit record).
error AlreadyExited(uint32 accountIndex);
/// @notice An exit must prove against R's stored block.
error ExitReferenceMismatch(uint64 expected, uint64 actual);
/// @notice The payouts of an exit must be positive and add up to the proven balance.
error ExitPayoutsMismatch(uint256 balance, uint256 payouts);
/// @notice The chain's vault cannot pay this much of this token (what it can pay is given).
error ShortOfLiquidity(uint8 chainId, uint16 tokenId, uint256 available, uint256 amount);
/// @notice The secondary has not reported its vault of this token yet (`reportExodusLiquidity` there).
error LiquidityNotReported(uint8 chainId, uint16 tokenId);
/// @notice A vault is reported to the primary once per token.
error LiquidityAlreadyReported(uint16 tokenId);
/// @notice The exit proof does not verify for (R's root, this account, token and caller, balance).
error InvalidExitProof(uint32 accountIndex);

// ---- governance (docs/security.md) ----

/// @notice A deposit below the token's minimum (`minDeposit`).
error DepositTooSmall(uint16 tokenId, uint256 minimum, uint256 amount);

/// @notice `token` reports other decimals than its L2 token has everywhere (or none).
error TokenDecimalsMismatch(uint16 tokenId, uint8 expected, uint8 actual);

/// @notice Deposits and commits are paused by the guardian until `until`.
error RollupPaused(uint48 until);
/// @notice A pause must last between 1 second and a quarter of the exodus window.
error PauseLength(uint64 maxSeconds, uint64 actual);
/// @notice The guardian may pause again only as long after a pause as the pause lasted.
error PauseCoolingDown(uint256 availableAt, uint256 currentTimestamp);
/// @notice The implementation was built for another proxy: its domain would not bind this deployment.
error DomainMismatch(uint256 expected, uint256 actual);

// ---- Validium: the data-availability committee (docs/validium.md) ----

/// @notice A commit's committee signatures are fewer than the threshold.
error TooFewSignatures(uint256 threshold, uint256 count);
/// @notice The signatures are a count byte and that many 65-byte signatures.
error SignaturesLength(uint256 expected, uint256 actual);
/// @notice Signature `index` does not recover (a bad `v`, a high `s`, or no signer at all).
error InvalidSignature(uint256 index);
/// @notice `signer` is not a member of the data committee (a non-member, or a digest of another block or
///         deployment, which recovers to an arbitrary address).
error NotACommitteeMember(address signer);
/// @notice A committee has between 1 and `max` members.
error CommitteeSize(uint256 max, uint256 actual);
/// @notice A committee's threshold is between 1 and its member count.
error InvalidThreshold(uint256 members, uint256 threshold);
/// @notice An upgrade may not change the deployment's data mode (0 rollup, 1 Validium).
error DataModeMismatch(uint8 expected, uint8 actual);
