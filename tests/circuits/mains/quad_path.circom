// Test main: QuadDigits and QuadPathRoot at 3 quaternary levels (64 leaves), index as an integer.
pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "../../../circuits/lib/quadtree.circom";

template QuadPathAt(L) {
    signal input leaf;
    signal input index;
    signal input siblings[L][3];
    signal output root;

    component bits = Num2Bits(2 * L);
    bits.in <== index;
    component digits = QuadDigits(L);
    digits.bits <== bits.out;
    component path = QuadPathRoot(L);
    path.leaf <== leaf;
    path.onehot <== digits.onehot;
    path.siblings <== siblings;
    root <== path.root;
}

component main = QuadPathAt(3);
