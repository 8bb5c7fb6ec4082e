pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";

// ---------------------------------------------------------------------------------------------------
// UnpackAmount()
//   The packed float of L2 transfers (docs/protocol.md section 6, "Packed amounts"):
//   packed = mantissa * 2^5 + exponent, value = mantissa * 10^exponent.
//   Input:  packed       constrained to 0 <= packed < 2^40 (its bit decomposition).
//   Output: value        mantissa * 10^exponent, with mantissa < 2^35 and exponent < 32, so
//                        value < 2^35 * 10^31 < 2^139: no wrap mod r. It may exceed 2^128; the caller
//                        range-checks the balances it changes.
//           bits[40]     packed as 5 big-endian bytes, each byte MSB first (its public data bytes).
//   Constrains: packed < 2^40 and value as above. 10^exponent is the product over the exponent's
//   bits e_i of (1 + e_i * (10^(2^i) - 1)).
//   Cost:   45 constraints (Num2Bits(40), 4 products for 10^exponent, 1 for the value).
// ---------------------------------------------------------------------------------------------------
template UnpackAmount() {
    signal input packed;
    signal output value;
    signal output bits[40];

    component n2b = Num2Bits(40);
    n2b.in <== packed;
    for (var i = 0; i < 40; i++) {
        bits[39 - i] <== n2b.out[i];
    }

    var mantissa = 0;
    for (var i = 0; i < 35; i++) {
        mantissa += n2b.out[5 + i] * (1 << i);
    }

    // pow[i] = 10^(exponent mod 2^(i+1)).
    signal pow[5];
    pow[0] <== 1 + n2b.out[0] * 9;
    var factor = 10;
    for (var i = 1; i < 5; i++) {
        factor = factor * factor;  // 10^(2^i)
        pow[i] <== pow[i - 1] * (1 + n2b.out[i] * (factor - 1));
    }
    value <== mantissa * pow[4];
}
