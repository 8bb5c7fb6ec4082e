// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title IVerifier
/// @notice The Groth16 verifier `rollup circuit build` generates from the circuit's verifying key.
/// @dev The block circuit has exactly one public input: the masked block commitment.
interface IVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata input
    ) external view returns (bool);
}
