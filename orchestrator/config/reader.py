"""Typed access to a parsed TOML table: a wrong type, range or unknown key is one ConfigError naming the
file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

from orchestrator.errors import ConfigError

KEY_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")


class Reader:
    """Typed accessors that turn a wrong type or range into one ConfigError naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str) -> NoReturn:
        raise ConfigError(f"{self.path}: {message}")

    def only_keys(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")

    def table(self, raw: dict[str, Any], key: str, required: bool = True) -> dict[str, Any]:
        value = raw.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.fail(f"missing table [{key}]")
        return value

    def table_list(self, raw: dict[str, Any], key: str, required: bool = True) -> list[dict[str, Any]]:
        value = raw.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(f"missing [[{key}]] entries")
        return value

    def string(self, t: dict[str, Any], key: str, where: str) -> str:
        value = t.get(key)
        if not isinstance(value, str) or not value:
            self.fail(f"{where}: {key} must be a non-empty string")
        return value

    def boolean(self, t: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = t.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}: {key} must be true or false")
        return value

    def integer(
        self, t: dict[str, Any], key: str, where: str, low: int, high: int, default: int | None = None
    ) -> int:
        value = t.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(f"{where}: {key} must be an integer")
        if not low <= value <= high:
            self.fail(f"{where}: {key} = {value} is outside {low}..{high}")
        return value

    def key(self, t: dict[str, Any], key: str, where: str) -> str:
        value = t.get(key)
        if not isinstance(value, str) or not KEY_RE.match(value):
            self.fail(f"{where}: {key} must be a 0x-prefixed 32-byte hex private key")
        return value
