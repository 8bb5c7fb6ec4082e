"""The methods the JSON-RPC tests serve and small request builders, shared by the dispatcher tests and
the HTTP tests."""

from __future__ import annotations

import threading
from typing import Any

from orchestrator.errors import RollupError, TxRejected
from orchestrator.jsonrpc.server import (
    RpcError,
)

DEEP = b"[" * 100000 + b"]" * 100000  # the body that killed the sequencer


class Calls:
    """The methods the tests serve, recording what ran (notifications run without an answer)."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    def methods(self) -> dict[str, Any]:
        return {
            "echo": self.echo,
            "two": self.two,
            "rejected": self.rejected,
            "unavailable": self.unavailable,
            "not_found": self.not_found,
            "bug": self.bug,
            "connection": self.connection,
        }

    def connection(self) -> str:
        """The handler thread's name: one thread per connection, so equal names mean one connection."""
        return threading.current_thread().name

    def echo(self, *args: Any) -> list[Any]:
        self.seen.append(args)
        return list(args)

    def two(self, a: Any, b: Any) -> list[Any]:
        self.seen.append((a, b))
        return [a, b]

    def rejected(self) -> None:
        raise TxRejected("bad_nonce", "the nonce is 3, not 2")

    def unavailable(self) -> None:
        raise RollupError("the chain does not answer")

    def not_found(self) -> None:
        raise RpcError(-32001, "no such block", {"last": 7})

    def bug(self) -> None:
        raise KeyError("a bug")


def req(method: str, *params: Any, id: Any = 1, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": id}
    out.update(extra)
    return out


def notification(method: str, *params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": list(params)}


def code(answer: Any) -> int:
    assert isinstance(answer, dict) and "error" in answer, answer
    return int(answer["error"]["code"])
