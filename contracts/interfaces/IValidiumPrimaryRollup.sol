// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IDataCommittee} from "./IDataCommittee.sol";

/// @title IValidiumPrimaryRollup
/// @notice What a Validium deployment's primary adds to IPrimaryRollup: the data committee whose M-of-N
///         signatures a commit carries in place of the L2 section (docs/validium.md).
/// @dev Having `dataCommittee()` is what marks an implementation as Validium: a rollup-mode primary has no
///      such function, so an upgrade between the modes is refused without any new selector on the rollup
///      mode's hot path (PrimaryRollup._checkDataMode).
interface IValidiumPrimaryRollup {
    /// @notice The committee whose signatures a commit needs.
    function dataCommittee() external view returns (IDataCommittee);

    /// @notice What a committee member signs (EIP-191) for block `blockNumber` with data hash `dataHash`:
    ///         keccak256("multichain-zk-rollup/dac/v1" || domain || blockNumber || dataHash).
    function availabilityDigest(uint64 blockNumber, bytes32 dataHash) external view returns (bytes32);
}
