pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";

// The quaternary state tree of docs/protocol.md section 5: a node is Poseidon_4(c0, c1, c2, c3); an
// account index's base-4 digits, least significant first, give its position at each level from the
// leaves up; a Merkle proof gives per level the three siblings in increasing position order.

// ---------------------------------------------------------------------------------------------------
// QuadDigits(L)
//   One-hot encoding of an index's L base-4 digits.
//   Input:  bits[2*L]      the index's bits, least significant first; the caller guarantees they are
//                          binary (they come from a Num2Bits).
//   Output: onehot[L][4]   onehot[k][p] = 1 iff digit k (bits 2k, 2k+1) equals p; exactly one is 1.
//   Cost:   L constraints (onehot[k][3] = b0 * b1; the others are linear in b0, b1 and it).
// ---------------------------------------------------------------------------------------------------
template QuadDigits(L) {
    signal input bits[2 * L];
    signal output onehot[L][4];

    for (var k = 0; k < L; k++) {
        onehot[k][3] <== bits[2 * k] * bits[2 * k + 1];
        onehot[k][2] <== bits[2 * k + 1] - onehot[k][3];
        onehot[k][1] <== bits[2 * k] - onehot[k][3];
        onehot[k][0] <== 1 - bits[2 * k] - bits[2 * k + 1] + onehot[k][3];
    }
}

// ---------------------------------------------------------------------------------------------------
// QuadNode()
//   One level of a path: places `child` at its position among its three siblings and hashes.
//   Input:  child          the hash coming up from the level below.
//           onehot[4]      the child's position (one-hot, from QuadDigits).
//           siblings[3]    the other three children in increasing position order.
//   Output: out            Poseidon_4 of the four children in position order.
//   Constrains: child at position p, siblings[0..p-1] before it and siblings[p..2] after it:
//     c0 = p==0 ? child : s0
//     c1 = p==0 ? s0 : p==1 ? child : s1
//     c2 = p<=1 ? s1 : p==2 ? child : s2
//     c3 = p==3 ? child : s2
//   Cost:   6 + Poseidon(4) 297 = 303 constraints.
// ---------------------------------------------------------------------------------------------------
template QuadNode() {
    signal input child;
    signal input onehot[4];
    signal input siblings[3];
    signal output out;

    signal c[4];
    signal t1;
    signal t2;
    c[0] <== siblings[0] + onehot[0] * (child - siblings[0]);
    t1 <== onehot[0] * (siblings[0] - siblings[1]);
    c[1] <== siblings[1] + t1 + onehot[1] * (child - siblings[1]);
    t2 <== onehot[3] * (siblings[2] - siblings[1]);
    c[2] <== siblings[1] + t2 + onehot[2] * (child - siblings[1]);
    c[3] <== siblings[2] + onehot[3] * (child - siblings[2]);

    component hash = Poseidon(4);
    for (var i = 0; i < 4; i++) {
        hash.inputs[i] <== c[i];
    }
    out <== hash.out;
}

// ---------------------------------------------------------------------------------------------------
// QuadPathRoot(L)
//   The root reached from a leaf hash along a Merkle path of L quaternary levels.
//   Input:  leaf             the leaf hash (level 0 child).
//           onehot[L][4]     the index's digits, one-hot, from the leaves up (QuadDigits).
//           siblings[L][3]   per level, the three siblings in increasing position order.
//   Output: root             the root the path leads to.
//   Cost:   303 L constraints.
// ---------------------------------------------------------------------------------------------------
template QuadPathRoot(L) {
    signal input leaf;
    signal input onehot[L][4];
    signal input siblings[L][3];
    signal output root;

    component nodes[L];
    for (var k = 0; k < L; k++) {
        nodes[k] = QuadNode();
        if (k == 0) {
            nodes[k].child <== leaf;
        } else {
            nodes[k].child <== nodes[k - 1].out;
        }
        for (var p = 0; p < 4; p++) {
            nodes[k].onehot[p] <== onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            nodes[k].siblings[s] <== siblings[k][s];
        }
    }
    root <== nodes[L - 1].out;
}
