// Exit proof of profile `test` (docs/exodus.md section 4): D = 8, so L = 4 quaternary levels.
pragma circom 2.0.0;

include "../exit.circom";

component main {public [root, key, balance]} = ExitProof(4);
