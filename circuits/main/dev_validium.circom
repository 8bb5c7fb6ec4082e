// Profile `dev` (docs/protocol.md section 1): D = 16, N_OP = 2, N_TX = 4, in Validium mode (section 7): the
// block commitment hashes sha256 of the L2 section, which the data committee signs.
pragma circom 2.0.0;

include "../block.circom";

component main = Block(16, 2, 4, 1);
