"""requirements.lock (scripts/lock) holds every direct pin of pyproject.toml at the same version, each
with hashes, and scripts/setup installs from it with --require-hashes."""

from __future__ import annotations

import re
import tomllib

from orchestrator.paths import repo_root


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, how many hashes) of every package in the lock."""
    out: dict[str, tuple[str, int]] = {}
    name = ""
    for line in (repo_root() / "requirements.lock").read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line):
            name = _normal(m[1])
            out[name] = (m[2], 0)
        elif "--hash=sha256:" in line and name:
            version, hashes = out[name]
            out[name] = (version, hashes + 1)
    return out


def test_every_direct_pin_is_locked_at_its_version_with_hashes() -> None:
    project = tomllib.loads((repo_root() / "pyproject.toml").read_text())
    pins = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["dev"]]
    locked = _locked()
    for pin in pins:
        name, version = pin.split("==")
        assert locked.get(_normal(name), ("missing", 0))[0] == version, f"{pin}: run scripts/lock"
    assert all(hashes > 0 for _, hashes in locked.values()), "a package without a hash"
    assert len(locked) > len(pins)  # the indirect ones are there too


def test_setup_installs_from_the_lock_with_hashes() -> None:
    setup = (repo_root() / "scripts" / "setup").read_text()
    assert "--require-hashes -r requirements.lock" in setup
    assert "--no-deps --no-build-isolation -e ." in setup
