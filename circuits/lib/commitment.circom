pragma circom 2.0.0;

include "circomlib/circuits/sha256/sha256.circom";

// ---------------------------------------------------------------------------------------------------
// BlockCommitment(N_BITS)
//   The proof's public input (docs/protocol.md section 7):
//   uint256(sha256(header || public_data)) mod 2^253.
//   Parameters: N_BITS = 8 * (header bytes + public data bytes).
//   Input:  bits[N_BITS]   the message, byte by byte, each byte MSB first. The caller guarantees every
//                          bit is boolean (they come from Num2Bits or are constant 0): circomlib's Sha256
//                          does not check it.
//   Output: out            the digest read as a big-endian integer, reduced mod 2^253 (its low 253
//                          bits; < 2^253 < r, so one field element).
//   Cost:   circomlib Sha256: ~30.3k constraints per 64-byte block of the padded message.
// ---------------------------------------------------------------------------------------------------
template BlockCommitment(N_BITS) {
    signal input bits[N_BITS];
    signal output out;

    component sha = Sha256(N_BITS);
    for (var i = 0; i < N_BITS; i++) {
        sha.in[i] <== bits[i];
    }

    // sha.out[0] is the most significant bit of the digest; weight 2^i sits at sha.out[255 - i].
    var low = 0;
    for (var i = 0; i < 253; i++) {
        low += sha.out[255 - i] * (1 << i);
    }
    out <== low;
}
