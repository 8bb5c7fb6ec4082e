pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "bits.circom";
include "quadtree.circom";
include "leaf_update.circom";
include "pubkey.circom";
include "signature.circom";

// ---------------------------------------------------------------------------------------------------
// OnchainOpSlot(L)
//   One on-chain operation slot of a block (docs/protocol.md section 6): Noop, Deposit, Withdraw or
//   FullExit, applied to one account by one leaf update, and the slot's 64-byte public data record.
//   Parameters: L quaternary levels (D = 2L <= 32 binary levels).
//   Input:  domain         the deployment domain (range-checked by the block header).
//           old_root       the state root before this slot.
//           type           record byte 0: 0 Noop, 1 Deposit, 2 Withdraw, 3 FullExit (constrained < 4).
//           chain          record byte 1: 0 for a Noop, 1..8 otherwise.
//           account        record bytes 2..5: the account index, < 2^D.
//           token          record bytes 6..7, < 2^16.
//           amount         record bytes 8..23, < 2^128 (for a FullExit: the exited amount).
//           address        record bytes 24..43, < 2^160.
//           pkh            record bytes 44..63, < 2^160; nonzero for a Deposit, zero otherwise.
//           leaf[5]        the account before: [pkh, eth_address, token, balance, nonce].
//           path[L][3]     its Merkle path under old_root (ignored for a Noop).
//           sig[5]         [Ax, Ay, R8x, R8y, S] of a Withdraw (ignored otherwise).
//   Output: new_root       the state root after this slot.
//           bits[512]      the record, 64 bytes, each byte MSB first.
//   Constrains:
//     every type:  the record fields' ranges above (their bit decompositions are the record bytes).
//     Noop:        every record field is 0; new_root = old_root; leaf, path and sig are free.
//     Deposit:     pkh != 0; the leaf is empty (pkh 0: an account exists iff pkh != 0) or has the same
//                  pkh, address and token; new leaf (pkh, address, token, balance + amount, nonce) with
//                  balance + amount < 2^128.
//     Withdraw:    Poseidon_2(A) mod 2^160 == leaf pkh; record token == leaf token; a valid signature of
//                  Poseidon_6(domain, 2, account, address, amount, nonce + 2^32 * chain); new leaf
//                  (.., balance - amount, nonce + 1) with balance - amount >= 0 and nonce + 1 < 2^32.
//     FullExit:    owner = leaf exists with the record's address and token; amount == owner ? balance
//                  : 0; new leaf (.., balance - amount, ..). Never unprovable for a non-owner.
//     Non-Noop:    the leaf is at `account` under old_root; new_root has the new leaf there.
//   Cost:   ~6,650 + 609 L constraints (9,068 at L = 4, 13,958 at L = 12; docs/circuits.md).
// ---------------------------------------------------------------------------------------------------
template OnchainOpSlot(L) {
    assert(L >= 1 && L <= 16);

    signal input domain;
    signal input old_root;
    signal input type;
    signal input chain;
    signal input account;
    signal input token;
    signal input amount;
    signal input address;
    signal input pkh;
    signal input leaf[5];
    signal input path[L][3];
    signal input sig[5];
    signal output new_root;
    signal output bits[512];

    // --- record fields: each bit decomposition is both the range check and the public data bytes.
    component type_bits = BytesBE(1, 2);
    type_bits.in <== type;
    component chain_bits = BytesBE(1, 4);
    chain_bits.in <== chain;
    component account_bits = BytesBE(4, 2 * L);
    account_bits.in <== account;
    component token_bits = BytesBE(2, 16);
    token_bits.in <== token;
    component amount_bits = BytesBE(16, 128);
    amount_bits.in <== amount;
    component address_bits = BytesBE(20, 160);
    address_bits.in <== address;
    component pkh_bits = BytesBE(20, 160);
    pkh_bits.in <== pkh;

    var offset = 0;
    for (var i = 0; i < 8; i++) { bits[offset + i] <== type_bits.bits[i]; }
    offset += 8;
    for (var i = 0; i < 8; i++) { bits[offset + i] <== chain_bits.bits[i]; }
    offset += 8;
    for (var i = 0; i < 32; i++) { bits[offset + i] <== account_bits.bits[i]; }
    offset += 32;
    for (var i = 0; i < 16; i++) { bits[offset + i] <== token_bits.bits[i]; }
    offset += 16;
    for (var i = 0; i < 128; i++) { bits[offset + i] <== amount_bits.bits[i]; }
    offset += 128;
    for (var i = 0; i < 160; i++) { bits[offset + i] <== address_bits.bits[i]; }
    offset += 160;
    for (var i = 0; i < 160; i++) { bits[offset + i] <== pkh_bits.bits[i]; }

    // --- type one-hot from its two bits.
    signal is_full_exit <== type_bits.lsb[0] * type_bits.lsb[1];
    signal is_deposit <== type_bits.lsb[0] - is_full_exit;
    signal is_withdraw <== type_bits.lsb[1] - is_full_exit;
    signal is_noop <== 1 - type_bits.lsb[0] - type_bits.lsb[1] + is_full_exit;
    signal active <== 1 - is_noop;

    // --- Noop: an all-zero record. Otherwise chain in 1..8: chain - 1 < 8.
    is_noop * chain === 0;
    component chain_range = Num2Bits(3);
    chain_range.in <== chain - active;
    is_noop * account === 0;
    is_noop * token === 0;
    is_noop * amount === 0;
    is_noop * address === 0;
    // pkh is only carried by a Deposit, which needs a real owner.
    (1 - is_deposit) * pkh === 0;
    component pkh_zero = IsZero();
    pkh_zero.in <== pkh;
    is_deposit * pkh_zero.out === 0;

    // --- the account before.
    signal leaf_pkh <== leaf[0];
    signal leaf_address <== leaf[1];
    signal leaf_token <== leaf[2];
    signal leaf_balance <== leaf[3];
    signal leaf_nonce <== leaf[4];

    component leaf_empty = IsZero();
    leaf_empty.in <== leaf_pkh;
    component same_pkh = IsEqual();
    same_pkh.in[0] <== leaf_pkh;
    same_pkh.in[1] <== pkh;
    component same_address = IsEqual();
    same_address.in[0] <== leaf_address;
    same_address.in[1] <== address;
    component same_token = IsEqual();
    same_token.in[0] <== leaf_token;
    same_token.in[1] <== token;
    signal same_address_token <== same_address.out * same_token.out;

    // --- Deposit: into an empty account or one with the same pkh, address and token. As pkh != 0,
    // "empty" and "same pkh" exclude each other, so their sum is 0 or 1.
    signal deposit_match <== same_pkh.out * same_address_token;
    is_deposit * (1 - leaf_empty.out - deposit_match) === 0;

    // --- Withdraw: signed by the account's key, in the account's token.
    component key_hash = PublicKeyHash();
    key_hash.Ax <== sig[0];
    key_hash.Ay <== sig[1];
    is_withdraw * (key_hash.out - leaf_pkh) === 0;
    is_withdraw * (token - leaf_token) === 0;

    component signed = SignedTx();
    signed.enabled <== is_withdraw;
    signed.domain <== domain;
    signed.type <== 2;
    signed.from <== account;
    signed.to <== address;
    signed.amount <== amount;
    signed.aux <== leaf_nonce + chain * (1 << 32);
    for (var i = 0; i < 5; i++) {
        signed.sig[i] <== sig[i];
    }

    // --- FullExit: the whole balance if the requester owns the account, else nothing.
    signal owner <== (1 - leaf_empty.out) * same_address_token;
    signal owned_balance <== owner * leaf_balance;
    is_full_exit * (amount - owned_balance) === 0;

    // --- the account after. Balance: + amount for a Deposit, - amount for a Withdraw or FullExit;
    // (is_deposit - is_withdraw - is_full_exit) = lsb0 - lsb1 - is_full_exit.
    signal delta <== (type_bits.lsb[0] - type_bits.lsb[1] - is_full_exit) * amount;
    signal new_balance <== leaf_balance + delta;
    // balance stays in [0, 2^128): a wrapped subtraction or an overflowing addition fails here.
    signal checked_balance <== active * new_balance;
    component balance_range = Num2Bits(128);
    balance_range.in <== checked_balance;
    signal new_nonce <== leaf_nonce + is_withdraw;
    signal checked_nonce <== is_withdraw * new_nonce;
    component nonce_range = Num2Bits(32);
    nonce_range.in <== checked_nonce;

    component update = LeafUpdate(L);
    update.enabled <== active;
    update.old_root <== old_root;
    for (var i = 0; i < 5; i++) {
        update.old_leaf[i] <== leaf[i];
    }
    update.new_leaf[0] <== leaf_pkh + is_deposit * (pkh - leaf_pkh);
    update.new_leaf[1] <== leaf_address + is_deposit * (address - leaf_address);
    update.new_leaf[2] <== leaf_token + is_deposit * (token - leaf_token);
    update.new_leaf[3] <== new_balance;
    update.new_leaf[4] <== new_nonce;

    component digits = QuadDigits(L);
    for (var i = 0; i < 2 * L; i++) {
        digits.bits[i] <== account_bits.lsb[i];
    }
    for (var k = 0; k < L; k++) {
        for (var p = 0; p < 4; p++) {
            update.onehot[k][p] <== digits.onehot[k][p];
        }
        for (var s = 0; s < 3; s++) {
            update.siblings[k][s] <== path[k][s];
        }
    }
    new_root <== update.new_root;
}
