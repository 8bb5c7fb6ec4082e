// Test main: LeafHash.
pragma circom 2.0.0;

include "../../../circuits/lib/leaf.circom";

component main = LeafHash();
