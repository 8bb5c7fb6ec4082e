pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// ---------------------------------------------------------------------------------------------------
// PublicKeyHash()
//   The public key hash an account stores (docs/protocol.md section 4):
//   pkh = Poseidon_2(Ax, Ay) mod 2^160.
//   Input:  Ax, Ay     a Baby Jubjub point (not checked here: the signature verifier rejects keys it
//                      cannot use).
//   Output: out        pkh, 0 <= out < 2^160.
//   Constrains: the reduction uses the canonical (aliasing-checked, Num2Bits_strict) 254 bits of the
//   hash, so each key has exactly one pkh.
//   Cost:   Poseidon(2) 240 + Num2Bits_strict 515 = 755 constraints.
// ---------------------------------------------------------------------------------------------------
template PublicKeyHash() {
    signal input Ax;
    signal input Ay;
    signal output out;

    component hash = Poseidon(2);
    hash.inputs[0] <== Ax;
    hash.inputs[1] <== Ay;

    component n2b = Num2Bits_strict();
    n2b.in <== hash.out;

    var low = 0;
    for (var i = 0; i < 160; i++) {
        low += n2b.out[i] * (1 << i);
    }
    out <== low;
}
