pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";

// ---------------------------------------------------------------------------------------------------
// BytesBE(N_BYTES, N_BITS)
//   Serializes a small integer as N_BYTES big-endian bytes for sha256, the bit decomposition being the
//   range check.
//   Parameters: N_BYTES >= 1; 1 <= N_BITS <= min(8 * N_BYTES, 253) (Num2Bits(n) is only
//   aliasing-free for n < 254; field elements of 254 bits use FieldBytesBE).
//   Input:  in             the value; constrained to 0 <= in < 2^N_BITS.
//   Output: bits[8*N_BYTES] the N_BYTES bytes of `in` big-endian, each byte MSB first (the order
//                          circomlib's Sha256 consumes); the top 8*N_BYTES - N_BITS bits are 0.
//           lsb[N_BITS]    the same bits least significant first (lsb[i] has weight 2^i).
//   Cost:   N_BITS constraints.
// ---------------------------------------------------------------------------------------------------
template BytesBE(N_BYTES, N_BITS) {
    assert(N_BITS >= 1);
    assert(N_BITS <= 8 * N_BYTES);
    assert(N_BITS <= 253);

    signal input in;
    signal output bits[8 * N_BYTES];
    signal output lsb[N_BITS];

    component n2b = Num2Bits(N_BITS);
    n2b.in <== in;
    for (var i = 0; i < N_BITS; i++) {
        lsb[i] <== n2b.out[i];
        bits[8 * N_BYTES - 1 - i] <== n2b.out[i];
    }
    for (var i = N_BITS; i < 8 * N_BYTES; i++) {
        bits[8 * N_BYTES - 1 - i] <== 0;
    }
}

// ---------------------------------------------------------------------------------------------------
// FieldBytesBE()
//   Serializes any field element (a Poseidon root) as 32 big-endian bytes, canonically: the
//   decomposition is circomlib's Num2Bits_strict, so the 254 bits are the unique representative < r
//   (no alias in + r).
//   Input:  in         any field element.
//   Output: bits[256]  uint256(in) big-endian, each byte MSB first; bits[0] = bits[1] = 0.
//   Cost:   515 constraints (Num2Bits(254) and the alias check).
// ---------------------------------------------------------------------------------------------------
template FieldBytesBE() {
    signal input in;
    signal output bits[256];

    component n2b = Num2Bits_strict();
    n2b.in <== in;
    for (var i = 0; i < 254; i++) {
        bits[255 - i] <== n2b.out[i];
    }
    bits[0] <== 0;
    bits[1] <== 0;
}
