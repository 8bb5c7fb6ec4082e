// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

import {IVerifier} from "../interfaces/IVerifier.sol";
import {RollupStorage} from "./RollupStorage.sol";

/// @title PrimaryStorage
/// @notice The primary's state after RollupStorage's: the one layout PrimaryRollup and its exits module
///         (PrimaryExits, run by delegatecall) share. Upgrades append only.
abstract contract PrimaryStorage is RollupStorage {
    IVerifier public verifier;
    uint64 public lastProvenBlock;
    /// @notice Sync reports as received, by rollup chain id and the block they are for.
    mapping(uint8 chainId => mapping(uint64 blockNumber => bytes32)) public syncReports;
    /// @notice The S_c last confirmed to each secondary.
    mapping(uint8 chainId => bytes32) public confirmedSyncHash;

    // ---- exodus: the one exit record and the secondaries' vaults at R (docs/exodus.md section 3) ----
    mapping(uint32 accountIndex => bool) public exited;
    /// @notice What each secondary's vault can still pay, per token, from its report at R on.
    mapping(uint8 chainId => mapping(uint16 tokenId => uint256)) public exodusLiquidity;
    mapping(uint8 chainId => mapping(uint16 tokenId => bool)) public liquidityReported;

    /// @dev On the primary, R is its own last synchronized block at activation.
    function _executedToReference() internal view override returns (bool) {
        return lastExecutedBlock == exodusBlock;
    }
}
