// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title BlockCommitment
/// @notice The block commitment and the proof's single public input (docs/protocol.md sections 7 and 8).
/// @dev sha256 is the EVM precompile 0x02: hashing public data costs ~12 gas per 32 bytes.
library BlockCommitment {
    /// @notice Bytes of the header hashed before the public data.
    uint256 internal constant HEADER_BYTES = 112;
    /// @notice The public input keeps the commitment's low 253 bits, so it is below the field order r.
    uint256 internal constant PUBLIC_INPUT_MASK = (1 << 253) - 1;

    /// @notice sha256(domain || blockNumber || timestamp || oldRoot || newRoot || publicData).
    function commitment(
        uint256 domain,
        uint64 blockNumber,
        uint64 timestamp,
        bytes32 oldRoot,
        bytes32 newRoot,
        bytes calldata publicData
    ) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes32(domain), blockNumber, timestamp, oldRoot, newRoot, publicData));
    }

    /// @notice The Groth16 public input that binds a proof to `blockCommitment`.
    function publicInput(bytes32 blockCommitment) internal pure returns (uint256) {
        return uint256(blockCommitment) & PUBLIC_INPUT_MASK;
    }

    /// @notice The deployment domain: binds proofs and L2 signatures to one primary chain and contract.
    /// @dev Shifted right by 8 bits so that it fits a BN254 field element (< 2^248 < r).
    function domainOf(uint64 primaryEvmChainId, address primaryRollup) internal pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked("multichain-zk-rollup/v1", primaryEvmChainId, primaryRollup))) >> 8;
    }
}
