pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";

// ---------------------------------------------------------------------------------------------------
// SignedTx()
//   The signed message of an L2 transaction and its EdDSA-Poseidon signature check
//   (docs/protocol.md section 4): m = Poseidon_6(domain, type, from, to, amount, aux), verified with
//   circomlib's EdDSAPoseidonVerifier under the key A = (Ax, Ay).
//   Input:  enabled      0 or 1; the caller derives it from a constrained type bit, never from an input,
//                        so a signed operation cannot switch its own check off.
//           domain, type, from, to, amount, aux   the message fields (the caller constrains them; type
//                        is a constant of the calling slot).
//           sig[5]       [Ax, Ay, R8x, R8y, S].
//   Output: message      m (for tests and callers that want it).
//   Constrains: if enabled, S < l and 8*S*B8 = 8*R8 + 8*h*A with h = Poseidon_5(R8, A, m) and 8*A not
//   the identity. If not enabled, nothing (all-zero signature inputs compute without division by zero).
//   Cost:   Poseidon(6) 354 + EdDSAPoseidonVerifier 4,217 = 4,571 constraints.
// ---------------------------------------------------------------------------------------------------
template SignedTx() {
    signal input enabled;
    signal input domain;
    signal input type;
    signal input from;
    signal input to;
    signal input amount;
    signal input aux;
    signal input sig[5];
    signal output message;

    component hash = Poseidon(6);
    hash.inputs[0] <== domain;
    hash.inputs[1] <== type;
    hash.inputs[2] <== from;
    hash.inputs[3] <== to;
    hash.inputs[4] <== amount;
    hash.inputs[5] <== aux;
    message <== hash.out;

    component verifier = EdDSAPoseidonVerifier();
    verifier.enabled <== enabled;
    verifier.Ax <== sig[0];
    verifier.Ay <== sig[1];
    verifier.R8x <== sig[2];
    verifier.R8y <== sig[3];
    verifier.S <== sig[4];
    verifier.M <== hash.out;
}
