# The orchestrator (sequencer, relayer, deploy) for docker-compose.yml: the project and its pinned tools,
# set up by the same scripts/setup as on a bare machine. Build context: the repository root.
FROM node:20-bookworm
RUN apt-get update -qq && apt-get install -y -qq python3 python3-venv && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
RUN bash scripts/setup
ENV PATH="/app/.venv/bin:${PATH}" ROLLUP_HOME=/app/.devnet
ENTRYPOINT ["rollup"]
