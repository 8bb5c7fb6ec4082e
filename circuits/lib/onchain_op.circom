pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "bits.circom";
include "quadtree.circom";
include "leaf_update.circom";
include "op_selector.circom";
include "onchain_kinds.circom";

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
//   Structure: OnchainOpSelector turns the type into one flag per kind; each kind's rules are its own
//   template (onchain_kinds.circom) enabled by its flag, and its effect on the account (owner set,
//   balance sign, nonce step) is summed here into the one leaf update. Adding an on-chain kind: its
//   template, its flag in the selector, and one block below that wires it and adds its effect to the
//   sums (docs/protocol.md, "Adding an operation kind").
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

    // --- the kind: one flag per on-chain kind, and the record's type byte.
    component kind = OnchainOpSelector();
    kind.type <== type;
    signal active <== 1 - kind.is_noop;

    // --- record fields: each bit decomposition is both the range check and the public data bytes.
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
    for (var i = 0; i < 8; i++) { bits[offset + i] <== kind.bits[i]; }
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

    // --- Noop: an all-zero record. Otherwise chain in 1..8: chain - 1 < 8.
    kind.is_noop * chain === 0;
    component chain_range = Num2Bits(3);
    chain_range.in <== chain - active;
    kind.is_noop * account === 0;
    kind.is_noop * token === 0;
    kind.is_noop * amount === 0;
    kind.is_noop * address === 0;

    // --- facts about the account before, shared by the kinds.
    component leaf_empty = IsZero();
    leaf_empty.in <== leaf[0];
    component same_pkh = IsEqual();
    same_pkh.in[0] <== leaf[0];
    same_pkh.in[1] <== pkh;
    component same_address = IsEqual();
    same_address.in[0] <== leaf[1];
    same_address.in[1] <== address;
    component same_token = IsEqual();
    same_token.in[0] <== leaf[2];
    same_token.in[1] <== token;
    signal same_address_token <== same_address.out * same_token.out;

    // --- the kinds, each enabled by its flag.
    component deposit = DepositOp();
    deposit.enabled <== kind.is_deposit;
    deposit.pkh <== pkh;
    deposit.leaf_empty <== leaf_empty.out;
    deposit.same_pkh <== same_pkh.out;
    deposit.same_address_token <== same_address_token;

    component withdraw = WithdrawOp();
    withdraw.enabled <== kind.is_withdraw;
    withdraw.domain <== domain;
    withdraw.chain <== chain;
    withdraw.account <== account;
    withdraw.token <== token;
    withdraw.amount <== amount;
    withdraw.address <== address;
    withdraw.leaf <== leaf;
    withdraw.sig <== sig;

    component full_exit = FullExitOp();
    full_exit.enabled <== kind.is_full_exit;
    full_exit.amount <== amount;
    full_exit.leaf_balance <== leaf[3];
    full_exit.leaf_empty <== leaf_empty.out;
    full_exit.same_address_token <== same_address_token;

    // --- their effects, summed (exactly one kind is enabled; a Noop's effects are all 0).
    signal set_owner <== deposit.set_owner + withdraw.set_owner + full_exit.set_owner;
    signal balance_sign <== deposit.balance_sign + withdraw.balance_sign + full_exit.balance_sign;
    signal nonce_step <== deposit.nonce_step + withdraw.nonce_step + full_exit.nonce_step;
    signal uses_pkh <== deposit.uses_pkh + withdraw.uses_pkh + full_exit.uses_pkh;

    // pkh is only carried by the kinds that use it.
    (1 - uses_pkh) * pkh === 0;

    // --- the account after.
    signal new_balance <== leaf[3] + balance_sign * amount;
    // balance stays in [0, 2^128): a wrapped subtraction or an overflowing addition fails here.
    signal checked_balance <== active * new_balance;
    component balance_range = Num2Bits(128);
    balance_range.in <== checked_balance;
    signal new_nonce <== leaf[4] + nonce_step;
    signal checked_nonce <== nonce_step * new_nonce;
    component nonce_range = Num2Bits(32);
    nonce_range.in <== checked_nonce;

    component update = LeafUpdate(L);
    update.enabled <== active;
    update.old_root <== old_root;
    update.old_leaf <== leaf;
    update.new_leaf[0] <== leaf[0] + set_owner * (pkh - leaf[0]);
    update.new_leaf[1] <== leaf[1] + set_owner * (address - leaf[1]);
    update.new_leaf[2] <== leaf[2] + set_owner * (token - leaf[2]);
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
