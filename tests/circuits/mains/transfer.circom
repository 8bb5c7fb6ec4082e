// Test main: TransferSlot at 2 quaternary levels (D = 4).
pragma circom 2.0.0;

include "../../../circuits/lib/transfer.circom";

component main = TransferSlot(2);
