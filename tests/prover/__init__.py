"""Tests of the prover pipeline and the generated Solidity verifier."""
