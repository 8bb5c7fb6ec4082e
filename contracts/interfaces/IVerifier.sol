// SPDX-License-Identifier: GPL-3.0-or-later
pragma solidity 0.8.37;

/// @title IVerifier
/// @notice The Groth16 verifier `rollup circuit build` generates from the circuit's verifying key
///         (orchestrator/prover/solidity_verifier.py).
/// @dev The block circuit has exactly one public input: the masked block commitment.
interface IVerifier {
    /// @notice A Groth16 proof (b in precompile order: [[x.c1, x.c0], [y.c1, y.c0]]).
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice True iff every `proofs[i]` is valid for the public input `inputs[i]`, checked with one
    ///         pairing weighted by scalars drawn from a hash of the whole batch; malformed proofs revert.
    function verifyProofs(Proof[] calldata proofs, uint256[] calldata inputs) external view returns (bool);

    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata input
    ) external view returns (bool);
}

/// @title IExitVerifier
/// @notice The Groth16 verifier of the profile's exit circuit (circuits/exit.circom, docs/exodus.md):
///         public inputs (root, account + token << 32 + owner << 48, balance).
interface IExitVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[3] calldata input
    ) external view returns (bool);
}
