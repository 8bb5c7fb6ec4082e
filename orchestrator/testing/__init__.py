"""TEST-ONLY helpers: devnet users with public keys, throw-away devnets, a settlement world, a running
rollup and the demo's story. Nothing here is for a real network."""
