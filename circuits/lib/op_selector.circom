pragma circom 2.0.0;

include "bits.circom";

// ---------------------------------------------------------------------------------------------------
// TypeFlags(N_BITS)
//   A type byte as its record byte and as one flag per value (one-hot), for any number of kinds.
//   Parameters: 1 <= N_BITS <= 8.
//   Input:  in                  the type; constrained to 0 <= in < 2^N_BITS.
//   Output: bits[8]             the record byte, MSB first (BytesBE).
//           flag[2^N_BITS]      flag[v] = 1 iff in == v, else 0 (exactly one is 1).
//   Constrains: the bits of `in`; flag[v] is the inclusion-exclusion sum of the products of the bits
//   (flag[v] = prod_i (bit i of v ? b_i : 1 - b_i), expanded), a linear combination of one product
//   per subset of two or more bits.
//   Cost:   2^N_BITS - 1 constraints (N_BITS bits and 2^N_BITS - N_BITS - 1 products): 3 for 2 bits.
// ---------------------------------------------------------------------------------------------------
template TypeFlags(N_BITS) {
    assert(N_BITS >= 1 && N_BITS <= 8);
    var N = 1 << N_BITS;
    signal input in;
    signal output bits[8];
    signal output flag[N];

    component type_byte = BytesBE(1, N_BITS);
    type_byte.in <== in;
    bits <== type_byte.bits;

    // prod[s]: the product of the bits in subset s (its highest bit times the rest); prod[0] = 1.
    signal prod[N];
    prod[0] <== 1;
    for (var s = 1; s < N; s++) {
        var high = 0;
        for (var i = 0; i < N_BITS; i++) {
            if (((s >> i) & 1) == 1) { high = i; }
        }
        var rest = s - (1 << high);
        if (rest == 0) {
            prod[s] <== type_byte.lsb[high];
        } else {
            prod[s] <== prod[rest] * type_byte.lsb[high];
        }
    }
    for (var v = 0; v < N; v++) {
        var sum = 0;
        for (var s = 0; s < N; s++) {
            if ((s & v) == v) {
                var extra = 0;
                for (var i = 0; i < N_BITS; i++) { extra += ((s ^ v) >> i) & 1; }
                sum += (extra % 2 == 0 ? 1 : -1) * prod[s];
            }
        }
        flag[v] <== sum;
    }
}

// ---------------------------------------------------------------------------------------------------
// OnchainOpSelector()
//   The operation selector of an on-chain slot: the type byte as record byte and one flag per on-chain
//   kind (docs/protocol.md section 6; the same codes as orchestrator/l2/ops.py and
//   Operations.OpType). Adding an on-chain kind: widen TypeFlags if its code needs another bit, add
//   its flag, and forbid every code that is not an on-chain kind (flag === 0); the slot
//   (onchain_op.circom) composes the kind's template with that flag.
//   Input:  type           record byte 0.
//   Output: bits[8]        record byte 0, MSB first.
//           is_noop, is_deposit, is_withdraw, is_full_exit   one-hot: exactly one is 1.
//   Constrains: type in {0 Noop, 1 Deposit, 2 Withdraw, 3 FullExit}.
//   Cost:   3 constraints (TypeFlags(2)).
// ---------------------------------------------------------------------------------------------------
template OnchainOpSelector() {
    signal input type;
    signal output bits[8];
    signal output is_noop;
    signal output is_deposit;
    signal output is_withdraw;
    signal output is_full_exit;

    component flags = TypeFlags(2);
    flags.in <== type;
    bits <== flags.bits;
    is_noop <== flags.flag[0];
    is_deposit <== flags.flag[1];
    is_withdraw <== flags.flag[2];
    is_full_exit <== flags.flag[3];
}
