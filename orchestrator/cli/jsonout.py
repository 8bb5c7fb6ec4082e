"""`--json`: a command prints one JSON document on stdout instead of its text (docs/json.md).

Each document names its schema (`"schema": "rollup.<command>/<version>"`); a version changes only when a
field is removed or changes meaning, never when one is added. Token amounts are strings of base units
(wei, or the token's smallest unit): they outgrow JavaScript's safe integers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(command: F) -> F:
    """The `--json` flag, passed to the command as `as_json`."""
    option = click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md) instead of text."
    )
    return option(command)


def emit(schema: str, body: dict[str, Any]) -> None:
    """Print `body` under its schema name (`status/1` becomes `rollup.status/1`)."""
    click.echo(json.dumps({"schema": f"rollup.{schema}", **body}, indent=2))
