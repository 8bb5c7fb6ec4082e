// Test main: LeafUpdate at 2 quaternary levels (16 accounts), with the index given as an integer.
pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "../../../circuits/lib/leaf_update.circom";

template LeafUpdateAt(L) {
    signal input enabled;
    signal input old_root;
    signal input index;
    signal input old_leaf[5];
    signal input new_leaf[5];
    signal input siblings[L][3];
    signal output new_root;

    component bits = Num2Bits(2 * L);
    bits.in <== index;
    component digits = QuadDigits(L);
    digits.bits <== bits.out;

    component update = LeafUpdate(L);
    update.enabled <== enabled;
    update.old_root <== old_root;
    update.old_leaf <== old_leaf;
    update.new_leaf <== new_leaf;
    update.onehot <== digits.onehot;
    update.siblings <== siblings;
    new_root <== update.new_root;
}

component main = LeafUpdateAt(2);
