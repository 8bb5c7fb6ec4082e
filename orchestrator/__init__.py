"""Orchestrator of the multi-chain ZK-rollup: devnet, contracts, prover, sequencer, relayer and CLI."""

__version__ = "0.1.0"
