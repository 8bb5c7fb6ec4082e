"""Profiles and constants (protocol.md sections 1, 2, 6, 7)."""

from __future__ import annotations

import pytest

from orchestrator.errors import ConfigError
from orchestrator.l2.params import (
    HEADER_BYTES,
    L2_RECORD_BYTES,
    OP_RECORD_BYTES,
    PROFILES,
    VALIDIUM,
    Profile,
    get_profile,
)


def test_profiles_match_the_spec() -> None:
    shapes = {name: (p.depth, p.n_op, p.n_tx) for name, p in PROFILES.items()}
    assert shapes == {"test": (8, 2, 2), "dev": (16, 2, 4), "bench": (24, 4, 16)}
    assert PROFILES["bench"].levels == 12
    assert PROFILES["test"].capacity == 256
    assert PROFILES["test"].public_data_bytes == 2 * 64 + 2 * 14


def test_sizes() -> None:
    assert (OP_RECORD_BYTES, L2_RECORD_BYTES, HEADER_BYTES) == (64, 14, 32 + 8 + 8 + 32 + 32)


def test_bad_profiles_refused() -> None:
    for depth in (0, 7, 34):
        with pytest.raises(ConfigError):
            Profile("x", depth, 1, 1)
    with pytest.raises(ConfigError):
        Profile("x", 8, 0, 1)
    with pytest.raises(ConfigError, match="known: test, dev, bench"):
        get_profile("nope")
    assert get_profile("dev") is PROFILES["dev"]
    with pytest.raises(ConfigError, match="unknown data mode 'plasma'"):
        get_profile("dev", "plasma")


def test_a_profile_is_a_shape_in_a_data_mode() -> None:
    validium = get_profile("test", VALIDIUM)
    assert validium.circuit == "test_validium" and validium.validium
    assert get_profile("test_validium") == validium  # a circuit's name finds it too
    assert (validium.depth, validium.n_op, validium.n_tx) == (8, 2, 2)
    assert PROFILES["test"].committed_data_bytes == PROFILES["test"].public_data_bytes == 2 * 64 + 2 * 14
    assert validium.committed_data_bytes == 2 * 64 + 32
