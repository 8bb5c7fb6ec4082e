// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title IDataCommittee
/// @notice A Validium deployment's data-availability committee: N members, of whom a threshold M must sign
///         that they hold a block's L2 section before the primary accepts the block (docs/validium.md,
///         docs/protocol.md section 7).
interface IDataCommittee {
    /// @notice The committee became `members` (strictly ascending) with threshold `threshold`.
    event CommitteeSet(address[] members, uint256 threshold);

    /// @notice Replace the members and the threshold (owner only: the deployment's timelock, so a change
    ///         waits out the governance delay like every other power over users' funds).
    function setCommittee(address[] calldata members, uint256 threshold) external;

    /// @notice The members, strictly ascending, and the threshold.
    function committee() external view returns (address[] memory members, uint256 threshold);

    /// @notice Revert unless `signatures` (a count byte k, then k 65-byte `r || s || v`) are EIP-191
    ///         signatures over `digest` by k distinct members in strictly ascending address order, with k at
    ///         least the threshold.
    function verifySignatures(bytes32 digest, bytes calldata signatures) external view;
}
