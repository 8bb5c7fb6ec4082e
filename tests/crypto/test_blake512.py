"""BLAKE-512: the specification's test vectors, derived constants, and npm blake-hash cross-checks."""

from __future__ import annotations

import random

from orchestrator.crypto.blake512 import _IV, _U, blake512
from tests.crypto.conftest import Oracle

# From the BLAKE specification (v1.3, appendix "test vectors"): one zero byte, and 144 zero bytes.
SPEC_ONE_BYTE = (
    "97961587f6d970faba6d2478045de6d1fabd09b61ae50932054d52bc29d31be4"
    "ff9102b9f69e2bbdb83be13d4b9c06091e5fa0b48bd081b634058be0ec49beb3"
)
SPEC_144_BYTES = (
    "313717d608e9cf758dcb1eb0f0c3cf9fc150b2d500fb33f51c52afc99d358a2f"
    "1374b8a38bba7974e7f6ef79cab16f22ce1e649d6e01ad9589c213045d545dde"
)
EMPTY = (
    "a8cfbbd73726062df0c6864dda65defe58ef0cc52a5625090fa17601e1eecd1b"
    "628e94f396ae402a00acc9eab77b4d4c2e852aaaa25a636d80af3fc7913ef5b8"
)


def test_spec_vectors() -> None:
    assert blake512(b"\x00").hex() == SPEC_ONE_BYTE
    assert blake512(bytes(144)).hex() == SPEC_144_BYTES


def test_empty_message() -> None:
    assert blake512(b"").hex() == EMPTY


def test_derived_constants_match_the_spec() -> None:
    # Spot values printed in the specification: SHA-512's IV and the digits of pi.
    assert _IV[0] == 0x6A09E667F3BCC908
    assert _IV[7] == 0x5BE0CD19137E2179
    assert _U[0] == 0x243F6A8885A308D3
    assert _U[1] == 0x13198A2E03707344
    assert _U[15] == 0x636920D871574E69


def test_accepts_bytes_like() -> None:
    assert blake512(bytearray(b"\x00")).hex() == SPEC_ONE_BYTE
    assert blake512(memoryview(b"\x00")).hex() == SPEC_ONE_BYTE
    assert len(blake512(b"abc")) == 64


def test_matches_npm_blake_hash(oracle: Oracle) -> None:
    """Every length around the padding and block boundaries, plus random messages, in one node call."""
    rng = random.Random(7)
    lengths = [*range(0, 260), 111 + 128 * 3, 112 + 128 * 3, 1000, 4096]
    messages = [rng.randbytes(n) for n in lengths]
    results = oracle([{"op": "blake512", "data": m.hex()} for m in messages])
    for message, got in zip(messages, results, strict=True):
        assert blake512(message).hex() == got, len(message)
