"""`rollup explorer`: a read-only web page of the running rollup (chains, blocks, messages, accounts)."""
