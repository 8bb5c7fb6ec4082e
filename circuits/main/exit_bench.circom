// Exit proof of profile `bench` (docs/exodus.md section 4): D = 24, so L = 12 quaternary levels.
pragma circom 2.0.0;

include "../exit.circom";

component main {public [root, key, balance]} = ExitProof(12);
