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

// ---------------------------------------------------------------------------------------------------
// L2SectionCommitment(N_TX, VALIDIUM)
//   The L2-section commitment (docs/protocol.md section 7): what the block commitment hashes of the L2
//   section, after the on-chain section. Its counterparts: `l2_section_commitment` in
//   orchestrator/l2/block.py and `PrimaryRollup._readPublicData` (overridden by ValidiumPrimaryRollup).
//   Rollup mode (VALIDIUM = 0): the L2 section itself, so the L2 data is on chain.
//   Validium mode (VALIDIUM = 1): sha256 of the L2 section, the data hash the data committee signs, so
//   the proof binds exactly the data the committee holds.
//   Parameters: N_TX >= 1 L2 slots; VALIDIUM 0 or 1.
//   Input:  bits[N_TX * 112]   the N_TX 14-byte L2 records, each byte MSB first (boolean: from the slots'
//                              bit decompositions).
//   Output: out[l2SectionCommitmentBits(N_TX, VALIDIUM)]   the commitment's bytes, each byte MSB first.
//   Cost:   rollup none (wires only); Validium one sha256 of 14 N_TX bytes (~30.3k per 64-byte block).
// ---------------------------------------------------------------------------------------------------
function l2SectionCommitmentBits(N_TX, VALIDIUM) {
    return VALIDIUM == 1 ? 256 : N_TX * 8 * 14;
}

template L2SectionCommitment(N_TX, VALIDIUM) {
    assert(VALIDIUM == 0 || VALIDIUM == 1);
    signal input bits[N_TX * 8 * 14];
    signal output out[l2SectionCommitmentBits(N_TX, VALIDIUM)];

    component hash;
    if (VALIDIUM == 1) {
        hash = Sha256(N_TX * 8 * 14);  // out[0] is the digest's most significant bit: bytes MSB first
        hash.in <== bits;
        out <== hash.out;
    } else {
        out <== bits;
    }
}
