// Profile `test` (docs/protocol.md section 1): D = 8, N_OP = 2, N_TX = 2.
pragma circom 2.0.0;

include "../block.circom";

component main = Block(8, 2, 2, 0);
