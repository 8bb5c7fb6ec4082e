pragma circom 2.0.0;

include "circomlib/circuits/comparators.circom";
include "pubkey.circom";
include "signature.circom";

// The on-chain operation kinds (docs/protocol.md section 6), one template each, composed by
// OnchainOpSlot (onchain_op.circom) under the flags of OnchainOpSelector (op_selector.circom).
//
// Every kind has the same outputs, the kind's effect on the slot's one account; each is its `enabled`
// flag times a constant (linear: no constraints), 0 when the kind is not the slot's:
//   set_owner     1: the new leaf takes the record's pkh, address and token.
//   balance_sign  +1: the balance grows by the record amount; -1: it shrinks by it; 0: unchanged.
//   nonce_step    1: the nonce grows by one (and must stay below 2^32).
//   uses_pkh      1: the record carries a pkh (every other kind's record has pkh 0).
// The slot checks every record field's range, that a Noop's record is all zero, the chain id, the new
// balance's and nonce's ranges and the leaf update; a kind constrains only its own rules, and only when
// `enabled` (each of its constraints is multiplied by it, or its gadgets take it as their enable).
//
// Inputs the kinds share (each takes those it needs): enabled (0 or 1, from the selector), the record
// fields (range-checked by the slot), the leaf before [pkh, eth_address, token, balance, nonce], and
// facts about it that the slot computes once: leaf_empty (pkh == 0) and same_address_token (the
// record's address and token equal the leaf's).

// ---------------------------------------------------------------------------------------------------
// DepositOp()
//   Deposit (from a chain's priority queue): pkh != 0; the leaf is empty or has the same pkh, address
//   and token; the record amount is credited.
//   Extra input: pkh (the record's), same_pkh (record pkh == leaf pkh).
//   Cost:   4 constraints (pkh != 0: IsZero and one product; the owner match: two products).
// ---------------------------------------------------------------------------------------------------
template DepositOp() {
    signal input enabled;
    signal input pkh;
    signal input leaf_empty;
    signal input same_pkh;
    signal input same_address_token;
    signal output set_owner;
    signal output balance_sign;
    signal output nonce_step;
    signal output uses_pkh;

    // a real owner: pkh 0 would make a leaf that holds a balance nobody can move or exit.
    component pkh_zero = IsZero();
    pkh_zero.in <== pkh;
    enabled * pkh_zero.out === 0;
    // As pkh != 0, "empty" and "same pkh" exclude each other, so their sum is 0 or 1.
    signal owner_match <== same_pkh * same_address_token;
    enabled * (1 - leaf_empty - owner_match) === 0;

    set_owner <== enabled;
    balance_sign <== enabled;
    nonce_step <== 0;
    uses_pkh <== enabled;
}

// ---------------------------------------------------------------------------------------------------
// WithdrawOp()
//   Withdraw (signed on L2): Poseidon_2(A) mod 2^160 == leaf pkh; record token == leaf token; a valid
//   signature of Poseidon_6(domain, 2, account, address, amount, nonce + 2^32 * chain); the amount is
//   debited and the nonce bumped (the slot range-checks both results).
//   Extra input: domain, chain, account, token, amount, address (the record's), sig[5] [Ax, Ay, R8x,
//   R8y, S] (free when not enabled).
//   Cost:   PublicKeyHash 755 + SignedTx 4,571 + 2 = 5,328 constraints.
// ---------------------------------------------------------------------------------------------------
template WithdrawOp() {
    signal input enabled;
    signal input domain;
    signal input chain;
    signal input account;
    signal input token;
    signal input amount;
    signal input address;
    signal input leaf[5];
    signal input sig[5];
    signal output set_owner;
    signal output balance_sign;
    signal output nonce_step;
    signal output uses_pkh;

    component key_hash = PublicKeyHash();
    key_hash.Ax <== sig[0];
    key_hash.Ay <== sig[1];
    enabled * (key_hash.out - leaf[0]) === 0;
    enabled * (token - leaf[2]) === 0;

    component signed = SignedTx();
    signed.enabled <== enabled;
    signed.domain <== domain;
    signed.type <== 2;
    signed.from <== account;
    signed.to <== address;
    signed.amount <== amount;
    signed.aux <== leaf[4] + chain * (1 << 32);
    signed.sig <== sig;

    set_owner <== 0;
    balance_sign <== -enabled;
    nonce_step <== enabled;
    uses_pkh <== 0;
}

// ---------------------------------------------------------------------------------------------------
// FullExitOp()
//   FullExit (from a chain's priority queue): owner = the leaf exists with the record's address and
//   token; amount == owner ? balance : 0, debited. Never unprovable for a non-owner (amount 0).
//   Extra input: amount (the record's), leaf_balance.
//   Cost:   3 constraints.
// ---------------------------------------------------------------------------------------------------
template FullExitOp() {
    signal input enabled;
    signal input amount;
    signal input leaf_balance;
    signal input leaf_empty;
    signal input same_address_token;
    signal output set_owner;
    signal output balance_sign;
    signal output nonce_step;
    signal output uses_pkh;

    signal owner <== (1 - leaf_empty) * same_address_token;
    signal owned_balance <== owner * leaf_balance;
    enabled * (amount - owned_balance) === 0;

    set_owner <== 0;
    balance_sign <== -enabled;
    nonce_step <== 0;
    uses_pkh <== 0;
}
