// Test main: OnchainOpSlot at 2 quaternary levels (D = 4).
pragma circom 2.0.0;

include "../../../circuits/lib/onchain_op.circom";

component main = OnchainOpSlot(2);
