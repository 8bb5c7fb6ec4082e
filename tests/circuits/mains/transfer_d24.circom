// Measurement main: TransferSlot at the bench depth D = 24 (12 quaternary levels).
pragma circom 2.0.0;

include "../../../circuits/lib/transfer.circom";

component main = TransferSlot(12);
