// Test main: PublicKeyHash.
pragma circom 2.0.0;

include "../../../circuits/lib/pubkey.circom";

component main = PublicKeyHash();
