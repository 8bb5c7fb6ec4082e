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
/// @notice The account index is outside the state tree.
error AccountIndexOutOfRange(uint32 maxIndex, uint32 accountIndex);
/// @notice Nothing pending for this owner and token.
error NothingPending(address owner, uint16 tokenId);
/// @notice Sending value out failed.
error TransferFailed(address to, uint256 amount);
/// @notice A re-entrant call into a guarded function.
error Reentrancy();
