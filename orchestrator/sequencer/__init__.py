"""The sequencer daemon: L2 intake over JSON-RPC, priority-request watchers, block building, proving, and
the stage drivers that take every block through commit, prove, synchronize and execute on every chain."""
