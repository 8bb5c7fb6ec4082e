// Profile `bench` (docs/protocol.md section 1): D = 24, N_OP = 4, N_TX = 16, in Validium mode (section 7): the
// block commitment hashes sha256 of the L2 section, which the data committee signs.
pragma circom 2.0.0;

include "../block.circom";

component main = Block(24, 4, 16, 1);
