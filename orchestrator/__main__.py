"""`python -m orchestrator` is the `rollup` command."""

from orchestrator.cli.main import main

main()
