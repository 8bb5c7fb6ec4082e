"""Python reference model of the L2 (docs/protocol.md): accounts, the quaternary Poseidon state tree,
transactions and their records, the state rules, blocks with their commitment and circuit input, and
the L1-side hashes. Modules: ops (the table of operation kinds), params, amounts, tree, account, tx,
state, block, chainhash, vectors, bench.
"""
