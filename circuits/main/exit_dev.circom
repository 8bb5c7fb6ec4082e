// Exit proof of profile `dev` (docs/exodus.md section 4): D = 16, so L = 8 quaternary levels.
pragma circom 2.0.0;

include "../exit.circom";

component main {public [root, key, balance]} = ExitProof(8);
