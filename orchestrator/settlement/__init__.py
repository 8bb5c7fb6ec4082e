"""Settlement on the chains: what each rollup contract stores per block, and the calls of the four stages."""
