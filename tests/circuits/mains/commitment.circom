// Test main: BlockCommitment over 20 bytes (one sha256 block).
pragma circom 2.0.0;

include "../../../circuits/lib/commitment.circom";

component main = BlockCommitment(160);
