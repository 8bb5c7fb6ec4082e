// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title SyncHash
/// @notice Per-chain operation hash h_c and sync hash S_c (docs/protocol.md section 9).
/// @dev Both sides compute these identically: the primary from proven public data, each secondary from
///      what it committed. Chaining the previous sync hash makes a forged earlier block visible later.
library SyncHash {
    /// @notice h <- keccak256(h || record), folded over one chain's records of a block, from zero.
    function foldOp(bytes32 opsHash, bytes calldata record) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(opsHash, record));
    }

    /// @notice S_c(B) from S_c(B-1) for a block B that has operations for chain c.
    function next(bytes32 previous, uint64 blockNumber, bytes32 newStateRoot, bytes32 opsHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(previous, blockNumber, newStateRoot, opsHash));
    }
}
