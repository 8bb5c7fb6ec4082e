"""JSON-RPC 2.0 over HTTP: the sequencer's server and the wallets' client."""
