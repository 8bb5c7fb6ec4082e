// Test main: UnpackAmount.
pragma circom 2.0.0;

include "../../../circuits/lib/amount.circom";

component main = UnpackAmount();
