pragma circom 2.0.0;

include "leaf.circom";
include "quadtree.circom";

// ---------------------------------------------------------------------------------------------------
// LeafUpdate(L)
//   Replaces one leaf of the state tree: proves the old leaf sits at the index under old_root and
//   computes the root with the new leaf at the same index (the same digits and siblings serve both
//   paths, so the rest of the tree is unchanged).
//   Parameters: L >= 1 quaternary levels (D = 2L binary levels).
//   Input:  enabled          0 or 1 (the caller derives it from a constrained type bit).
//           old_root         the root before the update.
//           old_leaf[5]      the account's fields before: [pkh, eth_address, token, balance, nonce].
//           new_leaf[5]      the account's fields after (the caller range-checks what it changes).
//           onehot[L][4]     the index's base-4 digits, one-hot (QuadDigits of a Num2Bits).
//           siblings[L][3]   the Merkle path, from the leaves up.
//   Output: new_root         enabled ? root with new_leaf : old_root.
//   Constrains: if enabled, root(old_leaf, path) == old_root. If not enabled, nothing about the leaves
//   or the path (a Noop slot may carry any values) and the root is unchanged.
//   Cost:   2 LeafHash + 2 QuadPathRoot(L) + 2 = 644 + 606 L constraints.
// ---------------------------------------------------------------------------------------------------
template LeafUpdate(L) {
    signal input enabled;
    signal input old_root;
    signal input old_leaf[5];
    signal input new_leaf[5];
    signal input onehot[L][4];
    signal input siblings[L][3];
    signal output new_root;

    component old_hash = LeafHash();
    component new_hash = LeafHash();
    for (var i = 0; i < 5; i++) {
        old_hash.fields[i] <== old_leaf[i];
        new_hash.fields[i] <== new_leaf[i];
    }

    component old_path = QuadPathRoot(L);
    component new_path = QuadPathRoot(L);
    old_path.leaf <== old_hash.out;
    new_path.leaf <== new_hash.out;
    for (var k = 0; k < L; k++) {
        for (var p = 0; p < 4; p++) {
            old_path.onehot[k][p] <== onehot[k][p];
            new_path.onehot[k][p] <== onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            old_path.siblings[k][s] <== siblings[k][s];
            new_path.siblings[k][s] <== siblings[k][s];
        }
    }

    enabled * (old_path.root - old_root) === 0;
    new_root <== old_root + enabled * (new_path.root - old_root);
}
