// Test main: SignedTx.
pragma circom 2.0.0;

include "../../../circuits/lib/signature.circom";

component main = SignedTx();
