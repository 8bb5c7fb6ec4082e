"""The explorer's web server (aiohttp): one page, a JSON API it polls, and its static files.

    GET /                     the page (templates/index.html)
    GET /api/overview         chains, the block timeline, messages, daemons (the newest snapshot)
    GET /api/blocks/{n}       one block in detail
    GET /api/accounts?q=...   an account search
    GET /api/committee        Validium: the data committee (null in rollup mode)
    GET /static/...           the page's script and style; /static/vendor/chart.js from npm's chart.js

A background task refreshes the snapshot every `interval_s` in a worker thread (web3 calls block), so a
page's poll never waits on the chains. Read-only: nothing here sends a transaction or writes a store.
Everything is served from this machine: the page loads nothing from the internet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from orchestrator.errors import RollupError
from orchestrator.explorer.details import NotFound, account_search, block_detail, committee
from orchestrator.explorer.model import Explorer
from orchestrator.paths import repo_root

log = logging.getLogger("explorer")
HERE = Path(__file__).parent
CHART_JS = ("chart.js", "dist", "chart.umd.min.js")
EXPLORER_KEY: web.AppKey[Explorer] = web.AppKey("explorer", Explorer)


def make_app(explorer: Explorer, interval_s: float = 1.0) -> web.Application:
    app = web.Application()
    app[EXPLORER_KEY] = explorer
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    page = templates.get_template("index.html").render(
        chains=[c.name for c in explorer.config.chains],
        mode=explorer.config.rollup.mode,
        interval_ms=int(interval_s * 1000),
    )

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def chart_js(_: web.Request) -> web.FileResponse:
        return web.FileResponse(repo_root().joinpath("node_modules", *CHART_JS))

    app.router.add_get("/", index)
    app.router.add_get("/api/overview", overview)
    app.router.add_get("/api/blocks/{number}", block)
    app.router.add_get("/api/accounts", accounts)
    app.router.add_get("/api/committee", data_committee)
    app.router.add_get("/static/vendor/chart.js", chart_js)
    app.router.add_static("/static", HERE / "static")
    app.cleanup_ctx.append(partial(_refresher, interval_s=interval_s))
    return app


async def _refresher(app: web.Application, interval_s: float) -> AsyncIterator[None]:
    explorer = app[EXPLORER_KEY]

    async def loop() -> None:
        failed = False
        while True:
            try:
                await asyncio.to_thread(explorer.refresh)
                if failed:
                    log.info("the chains answer again")
                failed = False
            except Exception as exc:  # a node restarting, say: keep serving the last snapshot, try again
                if not failed:
                    expected = isinstance(exc, RollupError | OSError | ValueError)
                    log.warning("refresh failed: %s", exc, exc_info=not expected)
                failed = True
                explorer.snapshot = {**explorer.snapshot, "error": str(exc) or type(exc).__name__}
            await asyncio.sleep(interval_s)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    await asyncio.to_thread(explorer.close)


async def overview(request: web.Request) -> web.Response:
    return web.json_response(request.app[EXPLORER_KEY].snapshot)


async def block(request: web.Request) -> web.Response:
    raw = request.match_info["number"]
    if not raw.isdigit() or len(raw) > 12:
        return _error(400, f"block number {raw[:20]!r}: a whole number, please")
    return await _answer(block_detail, request.app[EXPLORER_KEY], int(raw))


async def accounts(request: web.Request) -> web.Response:
    query = request.query.get("q", "")[:100]
    return await _answer(account_search, request.app[EXPLORER_KEY], query)


async def data_committee(request: web.Request) -> web.Response:
    return await _answer(committee, request.app[EXPLORER_KEY])


async def _answer(fn: Callable[..., Any], *args: Any) -> web.Response:
    """`fn(*args)` in a worker thread, as JSON; what it cannot find is a 404 with one line, a chain or
    daemon that fails a 503, never a traceback."""
    try:
        return web.json_response(await asyncio.to_thread(fn, *args))
    except NotFound as exc:
        return _error(404, str(exc))
    except (RollupError, OSError, ValueError) as exc:
        return _error(503, str(exc))


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def serve(explorer: Explorer, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve until interrupted; `ready(url)` once the socket listens (before the first refresh ends)."""

    async def started(_: web.Application) -> None:
        ready(f"http://{host}:{port}/")

    app = make_app(explorer)
    app.on_startup.append(started)
    web.run_app(app, host=host, port=port, print=None, access_log=None, handle_signals=True)
