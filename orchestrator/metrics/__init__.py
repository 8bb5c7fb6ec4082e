"""Prometheus metrics and health of the daemons (docs/daemons.md, "Metrics and health").

Each daemon owns one `CollectorRegistry` (never the process-wide default: tests run several daemons in one
process) and serves it on GET /metrics, beside a small JSON document on GET /health, through its JSON-RPC
server's GET routes (the relayer through a GET-only one). This package only declares the metrics and
builds the answers; the daemons count and set them where things happen.
"""
