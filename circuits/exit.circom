pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "lib/leaf.circom";
include "lib/quadtree.circom";

// ---------------------------------------------------------------------------------------------------
// ExitProof(L)
//   An exodus exit's claim (docs/exodus.md section 4): in the state tree of root `root`, the leaf at
//   `account` holds `balance` of `token` for the L1 address `owner`. The primary checks `root` against
//   its exodus reference block R and pays `balance` to `owner`, once per account.
//   Public:  root       the state root of R.
//            key        account + token * 2^32 + owner * 2^48 (one field: fewer public inputs, less gas).
//            balance    the leaf's balance.
//   Private: account    < 4^L, token < 2^16, owner < 2^160: range-checked, so `key` has one reading.
//            pkh, nonce the leaf's other fields (only hashed).
//            path[L][3] the leaf's Merkle path, three siblings per level from the leaves up.
//   Cost:    2L + 176 range bits, one Poseidon(5) and L Poseidon(4) levels (docs/circuits.md).
// ---------------------------------------------------------------------------------------------------
template ExitProof(L) {
    signal input root;
    signal input key;
    signal input balance;
    signal input account;
    signal input token;
    signal input owner;
    signal input pkh;
    signal input nonce;
    signal input path[L][3];

    component accountBits = Num2Bits(2 * L);
    accountBits.in <== account;
    component tokenBits = Num2Bits(16);
    tokenBits.in <== token;
    component ownerBits = Num2Bits(160);
    ownerBits.in <== owner;
    key === account + token * (1 << 32) + owner * (1 << 48);

    component leaf = LeafHash();
    leaf.fields[0] <== pkh;
    leaf.fields[1] <== owner;
    leaf.fields[2] <== token;
    leaf.fields[3] <== balance;
    leaf.fields[4] <== nonce;

    component digits = QuadDigits(L);
    for (var i = 0; i < 2 * L; i++) {
        digits.bits[i] <== accountBits.out[i];
    }
    component up = QuadPathRoot(L);
    up.leaf <== leaf.out;
    for (var k = 0; k < L; k++) {
        for (var p = 0; p < 4; p++) {
            up.onehot[k][p] <== digits.onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            up.siblings[k][s] <== path[k][s];
        }
    }
    up.root === root;
}
