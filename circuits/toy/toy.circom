// Toy circuit for the prover pipeline tests only (not part of the rollup).
// Proves knowledge of private x, y with Poseidon(x, y) == h and x * y == p; h (an output) and p are public.
pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";

template Toy() {
    signal input x;
    signal input y;
    signal input p;
    signal output h;

    component hasher = Poseidon(2);
    hasher.inputs[0] <== x;
    hasher.inputs[1] <== y;
    h <== hasher.out;

    p === x * y;
}

component main {public [p]} = Toy();
