pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "bits.circom";
include "amount.circom";
include "quadtree.circom";
include "leaf_update.circom";
include "pubkey.circom";
include "signature.circom";

// ---------------------------------------------------------------------------------------------------
// TransferSlot(L)
//   One L2 slot of a block (docs/protocol.md section 6): Noop or Transfer, two leaf updates (the sender
//   on the slot's old root, then the receiver on the intermediate root), and the slot's 14-byte record.
//   Parameters: L quaternary levels (D = 2L <= 32 binary levels).
//   Input:  domain           the deployment domain (range-checked by the block header).
//           old_root         the state root before this slot.
//           type             record byte 0: 0 Noop or 4 Transfer.
//           from, to         record bytes 1..4 and 5..8: account indices, < 2^D.
//           amount_packed    record bytes 9..13: the packed amount, < 2^40.
//           from_leaf[5]     the sender before: [pkh, eth_address, token, balance, nonce].
//           from_path[L][3]  its Merkle path under old_root.
//           to_leaf[5]       the receiver after the sender's update (the sender's new leaf if to == from).
//           to_path[L][3]    its Merkle path under the intermediate root.
//           sig[5]           [Ax, Ay, R8x, R8y, S].
//   Output: new_root         the state root after this slot.
//           bits[112]        the record, 14 bytes, each byte MSB first.
//   Constrains:
//     Noop:      from = to = amount_packed = 0; new_root = old_root; leaves, paths and sig are free.
//     Transfer:  value = unpacked amount; Poseidon_2(A) mod 2^160 == sender pkh; a valid signature of
//                Poseidon_6(domain, 4, from, to, value, sender nonce); sender balance - value >= 0 (in
//                [0, 2^128)) and nonce + 1 < 2^32; the sender at `from` under old_root; the receiver
//                exists (pkh != 0), holds the sender's token, balance + value < 2^128, and is at `to`
//                under the intermediate root; new_root has both new leaves.
//   Cost:   ~6,991 + 1,217 L constraints (11,828 at L = 4, 21,595 at L = 12; docs/circuits.md).
// ---------------------------------------------------------------------------------------------------
template TransferSlot(L) {
    assert(L >= 1 && L <= 16);

    signal input domain;
    signal input old_root;
    signal input type;
    signal input from;
    signal input to;
    signal input amount_packed;
    signal input from_leaf[5];
    signal input from_path[L][3];
    signal input to_leaf[5];
    signal input to_path[L][3];
    signal input sig[5];
    signal output new_root;
    signal output bits[112];

    // --- type: 0 or 4, i.e. 4 * (one bit). Its byte is 0000 0t00.
    signal is_transfer;
    is_transfer <-- type == 4 ? 1 : 0;
    is_transfer * (is_transfer - 1) === 0;
    type === 4 * is_transfer;
    signal is_noop <== 1 - is_transfer;

    // --- record fields: each bit decomposition is both the range check and the public data bytes.
    component from_bits = BytesBE(4, 2 * L);
    from_bits.in <== from;
    component to_bits = BytesBE(4, 2 * L);
    to_bits.in <== to;
    component amount = UnpackAmount();
    amount.packed <== amount_packed;

    for (var i = 0; i < 8; i++) {
        if (i == 5) {
            bits[i] <== is_transfer;
        } else {
            bits[i] <== 0;
        }
    }
    for (var i = 0; i < 32; i++) {
        bits[8 + i] <== from_bits.bits[i];
        bits[40 + i] <== to_bits.bits[i];
    }
    for (var i = 0; i < 40; i++) {
        bits[72 + i] <== amount.bits[i];
    }

    // --- Noop: an all-zero record.
    is_noop * from === 0;
    is_noop * to === 0;
    is_noop * amount_packed === 0;

    // --- the sender: signed by its key, with its current nonce.
    component key_hash = PublicKeyHash();
    key_hash.Ax <== sig[0];
    key_hash.Ay <== sig[1];
    is_transfer * (key_hash.out - from_leaf[0]) === 0;

    component signed = SignedTx();
    signed.enabled <== is_transfer;
    signed.domain <== domain;
    signed.type <== 4;
    signed.from <== from;
    signed.to <== to;
    signed.amount <== amount.value;
    signed.aux <== from_leaf[4];
    for (var i = 0; i < 5; i++) {
        signed.sig[i] <== sig[i];
    }

    signal sender_balance <== from_leaf[3] - amount.value;
    signal checked_sender_balance <== is_transfer * sender_balance;
    component sender_balance_range = Num2Bits(128);
    sender_balance_range.in <== checked_sender_balance;
    signal sender_nonce <== from_leaf[4] + 1;
    signal checked_sender_nonce <== is_transfer * sender_nonce;
    component sender_nonce_range = Num2Bits(32);
    sender_nonce_range.in <== checked_sender_nonce;

    component from_digits = QuadDigits(L);
    for (var i = 0; i < 2 * L; i++) {
        from_digits.bits[i] <== from_bits.lsb[i];
    }
    component sender = LeafUpdate(L);
    sender.enabled <== is_transfer;
    sender.old_root <== old_root;
    for (var i = 0; i < 5; i++) {
        sender.old_leaf[i] <== from_leaf[i];
    }
    sender.new_leaf[0] <== from_leaf[0];
    sender.new_leaf[1] <== from_leaf[1];
    sender.new_leaf[2] <== from_leaf[2];
    sender.new_leaf[3] <== sender_balance;
    sender.new_leaf[4] <== sender_nonce;
    for (var k = 0; k < L; k++) {
        for (var p = 0; p < 4; p++) {
            sender.onehot[k][p] <== from_digits.onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            sender.siblings[k][s] <== from_path[k][s];
        }
    }

    // --- the receiver: an existing account in the same token.
    component receiver_empty = IsZero();
    receiver_empty.in <== to_leaf[0];
    is_transfer * receiver_empty.out === 0;
    is_transfer * (to_leaf[2] - from_leaf[2]) === 0;

    signal receiver_balance <== to_leaf[3] + amount.value;
    signal checked_receiver_balance <== is_transfer * receiver_balance;
    component receiver_balance_range = Num2Bits(128);
    receiver_balance_range.in <== checked_receiver_balance;

    component to_digits = QuadDigits(L);
    for (var i = 0; i < 2 * L; i++) {
        to_digits.bits[i] <== to_bits.lsb[i];
    }
    component receiver = LeafUpdate(L);
    receiver.enabled <== is_transfer;
    receiver.old_root <== sender.new_root;
    for (var i = 0; i < 5; i++) {
        receiver.old_leaf[i] <== to_leaf[i];
    }
    receiver.new_leaf[0] <== to_leaf[0];
    receiver.new_leaf[1] <== to_leaf[1];
    receiver.new_leaf[2] <== to_leaf[2];
    receiver.new_leaf[3] <== receiver_balance;
    receiver.new_leaf[4] <== to_leaf[4];
    for (var k = 0; k < L; k++) {
        for (var p = 0; p < 4; p++) {
            receiver.onehot[k][p] <== to_digits.onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            receiver.siblings[k][s] <== to_path[k][s];
        }
    }
    new_root <== receiver.new_root;
}
