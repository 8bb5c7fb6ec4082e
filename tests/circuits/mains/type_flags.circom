// Test main: TypeFlags(3), the selector's one-hot decoding of a type that needs a third bit (what a new
// on-chain kind with code >= 4 would use, docs/protocol.md section 12).
pragma circom 2.0.0;

include "../../../circuits/lib/op_selector.circom";

component main = TypeFlags(3);
