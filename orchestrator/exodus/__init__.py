"""The way out without the operator (docs/exodus.md): the state restored from L1 data, exits, refunds."""
