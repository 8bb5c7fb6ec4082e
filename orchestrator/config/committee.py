"""`[committee]` of a Validium deployment (docs/validium.md): the data-availability committee's members,
each a daemon with its own TEST-ONLY key and port, and the threshold M of N signatures a block needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_account import Account

from orchestrator.config.reader import Reader
from orchestrator.l2.params import ROLLUP

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
MAX_MEMBERS = 255  # DataCommittee.MAX_MEMBERS: a commit's signatures start with a count byte


@dataclass(frozen=True)
class MemberConfig:
    """One committee member: its daemon's name, TEST-ONLY signing key and HTTP port (on 127.0.0.1)."""

    name: str
    key: str
    port: int

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class CommitteeConfig:
    members: tuple[MemberConfig, ...]
    threshold: int
    timeout_ms: int = 2_000  # how long the sequencer waits for one member's answer

    def member(self, name: str) -> MemberConfig:
        for m in self.members:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.members)
        raise KeyError(f"no committee member {name!r} (members: {known})")

    @property
    def addresses(self) -> list[str]:
        """The members' addresses, ascending: how DataCommittee keeps them and how signatures are sent."""
        return sorted((m.address for m in self.members), key=lambda a: int(a, 16))


def parse_committee(r: Reader, t: dict[str, Any], mode: str) -> CommitteeConfig | None:
    """The committee; None in rollup mode, which must not describe one."""
    if mode == ROLLUP:
        if t:
            r.fail('[committee] describes a data committee, which only [rollup] mode = "validium" has')
        return None
    if not t:
        r.fail('[rollup] mode = "validium" needs a [committee]: threshold and [[committee.members]]')
    r.only_keys(t, "[committee]", {"threshold", "timeout_ms", "members"})
    raw = r.table_list(t, "members")
    if not 1 <= len(raw) <= MAX_MEMBERS:
        r.fail(f"[committee]: 1..{MAX_MEMBERS} [[committee.members]], got {len(raw)}")
    members = tuple(_parse_member(r, m, i) for i, m in enumerate(raw))
    for label, values in (
        ("name", [m.name for m in members]),
        ("key", [m.key.lower() for m in members]),
        ("port", [m.port for m in members]),
    ):
        if len(set(values)) != len(values):
            r.fail(f"[committee]: two members share a {label}; each must be distinct")
    threshold = r.integer(t, "threshold", "[committee]", low=1, high=len(members))
    timeout = r.integer(t, "timeout_ms", "[committee]", low=10, high=600_000, default=2_000)
    return CommitteeConfig(members, threshold, timeout)


def _parse_member(r: Reader, m: dict[str, Any], index: int) -> MemberConfig:
    where = f"[[committee.members]] #{index + 1}"
    r.only_keys(m, where, {"name", "key", "port"})
    name = r.string(m, "name", where)
    if not _NAME_RE.match(name):
        r.fail(f"{where}: name {name!r} must be lower-case letters, digits or '-', first a letter")
    return MemberConfig(name, r.key(m, "key", where), r.integer(m, "port", where, low=1024, high=65535))
