"""`rollup explorer`: serve the read-only explorer page (orchestrator/explorer/) until Ctrl-C."""

from __future__ import annotations

import logging
import socket

import click

from orchestrator.cli.context import CliContext, pass_cli
from orchestrator.errors import RollupError

DEFAULT_PORT = 8560


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@pass_cli
def explorer(ctx: CliContext, host: str, port: int) -> None:
    """Serve a live page of the rollup: chains, every block's stages on every chain, messages, accounts."""
    from orchestrator.explorer.model import Explorer
    from orchestrator.explorer.server import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    _port_free(host, port)
    model = Explorer(ctx.config(), ctx.home)  # no deployment: one error line, before listening
    serve(model, host, port, lambda url: click.echo(f"explorer at {url} (Ctrl-C stops it)"))


def _port_free(host: str, port: int) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise RollupError(f"cannot listen on {host}:{port} ({exc.strerror}): pass --port") from None
