// Measurement main: OnchainOpSlot at the bench depth D = 24 (12 quaternary levels).
pragma circom 2.0.0;

include "../../../circuits/lib/onchain_op.circom";

component main = OnchainOpSlot(12);
