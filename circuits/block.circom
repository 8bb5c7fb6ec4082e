pragma circom 2.0.0;

include "lib/bits.circom";
include "lib/onchain_op.circom";
include "lib/transfer.circom";
include "lib/commitment.circom";

// ---------------------------------------------------------------------------------------------------
// Block(D, N_OP, N_TX, VALIDIUM)
//   The whole block (docs/protocol.md section 7; interface in circuits/README.md): N_OP on-chain
//   operation slots, then N_TX L2 slots, each starting from the root the previous one produced; the
//   header and the records serialized from range-checked bit decompositions; sha256 over
//   header || on-chain section || L2-section commitment (L2SectionCommitment: in rollup mode the L2
//   section itself, so header || public_data; in Validium mode its sha256); its low 253 bits as the
//   only public signal.
//   Parameters: D even, 2 <= D <= 32 (L = D / 2 quaternary levels); N_OP >= 1; N_TX >= 1; VALIDIUM 0
//   (rollup mode) or 1 (Validium mode).
//   Input (all private):
//     domain          < 2^248 (32 header bytes, the first one 0).
//     block_number    < 2^64.
//     timestamp       < 2^64.
//     old_root        any field element (serialized canonically).
//     op_*            [N_OP] record fields, leaves, paths and signatures (OnchainOpSlot).
//     tx_*            [N_TX] record fields, leaves, paths and signatures (TransferSlot).
//   Output (public):
//     public_input    uint256(sha256(header || on-chain section || L2-section commitment)) mod 2^253,
//                     where header = domain (32) || block_number (8) || timestamp (8) || old_root (32)
//                     || new_root (32), new_root is the root after the last slot, and the L2-section
//                     commitment is the L2 section itself in rollup mode (so: header || public_data),
//                     sha256(L2 section) in Validium mode.
//   Cost:   N_OP OnchainOpSlot + N_TX TransferSlot + 1,406 (header) + Sha256 of
//           112 + 64 N_OP + 14 N_TX bytes (rollup mode); Validium: Sha256 of 14 N_TX bytes and of
//           112 + 64 N_OP + 32 bytes.
// ---------------------------------------------------------------------------------------------------
template Block(D, N_OP, N_TX, VALIDIUM) {
    assert(D % 2 == 0 && D >= 2 && D <= 32);
    assert(N_OP >= 1 && N_TX >= 1);
    var L = D \ 2;
    var HEADER_BITS = 8 * 112;
    var OP_BITS = 8 * 64;
    var TX_BITS = 8 * 14;
    var N_BITS = HEADER_BITS + N_OP * OP_BITS + l2SectionCommitmentBits(N_TX, VALIDIUM);

    signal input domain;
    signal input block_number;
    signal input timestamp;
    signal input old_root;

    signal input op_type[N_OP];
    signal input op_chain[N_OP];
    signal input op_account[N_OP];
    signal input op_token[N_OP];
    signal input op_amount[N_OP];
    signal input op_address[N_OP];
    signal input op_pkh[N_OP];
    signal input op_leaf[N_OP][5];
    signal input op_path[N_OP][L][3];
    signal input op_sig[N_OP][5];

    signal input tx_type[N_TX];
    signal input tx_from[N_TX];
    signal input tx_to[N_TX];
    signal input tx_amount_packed[N_TX];
    signal input tx_from_leaf[N_TX][5];
    signal input tx_from_path[N_TX][L][3];
    signal input tx_to_leaf[N_TX][5];
    signal input tx_to_path[N_TX][L][3];
    signal input tx_sig[N_TX][5];

    signal output public_input;

    component commitment = BlockCommitment(N_BITS);
    component l2_section = L2SectionCommitment(N_TX, VALIDIUM);

    // --- on-chain operation slots, then L2 slots, chaining the root.
    component ops[N_OP];
    for (var j = 0; j < N_OP; j++) {
        ops[j] = OnchainOpSlot(L);
        ops[j].domain <== domain;
        ops[j].old_root <== j == 0 ? old_root : ops[j - 1].new_root;
        ops[j].type <== op_type[j];
        ops[j].chain <== op_chain[j];
        ops[j].account <== op_account[j];
        ops[j].token <== op_token[j];
        ops[j].amount <== op_amount[j];
        ops[j].address <== op_address[j];
        ops[j].pkh <== op_pkh[j];
        ops[j].leaf <== op_leaf[j];
        ops[j].path <== op_path[j];
        ops[j].sig <== op_sig[j];
        for (var i = 0; i < OP_BITS; i++) {
            commitment.bits[HEADER_BITS + j * OP_BITS + i] <== ops[j].bits[i];
        }
    }

    component txs[N_TX];
    for (var j = 0; j < N_TX; j++) {
        txs[j] = TransferSlot(L);
        txs[j].domain <== domain;
        txs[j].old_root <== j == 0 ? ops[N_OP - 1].new_root : txs[j - 1].new_root;
        txs[j].type <== tx_type[j];
        txs[j].from <== tx_from[j];
        txs[j].to <== tx_to[j];
        txs[j].amount_packed <== tx_amount_packed[j];
        txs[j].from_leaf <== tx_from_leaf[j];
        txs[j].from_path <== tx_from_path[j];
        txs[j].to_leaf <== tx_to_leaf[j];
        txs[j].to_path <== tx_to_path[j];
        txs[j].sig <== tx_sig[j];
        for (var i = 0; i < TX_BITS; i++) {
            l2_section.bits[j * TX_BITS + i] <== txs[j].bits[i];
        }
    }
    var L2_START = HEADER_BITS + N_OP * OP_BITS;
    for (var i = 0; i < l2SectionCommitmentBits(N_TX, VALIDIUM); i++) {
        commitment.bits[L2_START + i] <== l2_section.out[i];
    }

    // --- header: every byte from a bit decomposition.
    component domain_bits = BytesBE(32, 248);
    domain_bits.in <== domain;
    component number_bits = BytesBE(8, 64);
    number_bits.in <== block_number;
    component time_bits = BytesBE(8, 64);
    time_bits.in <== timestamp;
    component old_root_bits = FieldBytesBE();
    old_root_bits.in <== old_root;
    component new_root_bits = FieldBytesBE();
    new_root_bits.in <== txs[N_TX - 1].new_root;
    for (var i = 0; i < 256; i++) {
        commitment.bits[i] <== domain_bits.bits[i];
    }
    for (var i = 0; i < 64; i++) {
        commitment.bits[256 + i] <== number_bits.bits[i];
        commitment.bits[320 + i] <== time_bits.bits[i];
    }
    for (var i = 0; i < 256; i++) {
        commitment.bits[384 + i] <== old_root_bits.bits[i];
        commitment.bits[640 + i] <== new_root_bits.bits[i];
    }

    public_input <== commitment.out;
}
