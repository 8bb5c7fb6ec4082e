pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";

// ---------------------------------------------------------------------------------------------------
// LeafHash()
//   The hash of one account (docs/protocol.md section 5):
//   leaf = Poseidon_5(pkh, eth_address, token, balance, nonce).
//   Input:  fields[5]  [pkh, eth_address, token, balance, nonce]; not range-checked here (leaves in
//                      the tree only ever hold range-checked values; callers check what they write).
//   Output: out        the leaf hash.
//   Cost:   one Poseidon(5), 321 constraints.
// ---------------------------------------------------------------------------------------------------
template LeafHash() {
    signal input fields[5];
    signal output out;

    component hash = Poseidon(5);
    for (var i = 0; i < 5; i++) {
        hash.inputs[i] <== fields[i];
    }
    out <== hash.out;
}
