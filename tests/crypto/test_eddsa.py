"""EdDSA-Poseidon: circomlibjs' known answer, negative cases, and 100-key cross-checks both ways."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from orchestrator.crypto import babyjub as bj
from orchestrator.crypto.eddsa import (
    PrivateKey,
    PublicKey,
    Signature,
    prv2pub,
    sign_poseidon,
    verify_poseidon,
)
from orchestrator.crypto.field import R
from orchestrator.errors import CryptoError
from tests.crypto.conftest import Oracle

# circomlibjs' own test vector (test/eddsa.js, "Sign (using Poseidon) a single number").
PRV = bytes.fromhex("0001020304050607080900010203040506070809000102030405060708090001")
MSG = 1234
PUB = (
    13277427435165878497778222415993513565335242147425444199013288855685581939618,
    13622229784656158136036771217484571176836296686641868549125388198837476602820,
)
R8 = (
    11220723668893468001994760120794694848178115379170651044669708829805665054484,
    2367470421002446880004241260470975644531657398480773647535134774673409612366,
)
S = 2010143491207902444122668013146870263468969134090678646686512037244361350365


def test_known_answer() -> None:
    pub = prv2pub(PRV)
    assert pub.point == PUB
    sig = sign_poseidon(PRV, MSG)
    assert (sig.r8, sig.s) == (R8, S)
    assert verify_poseidon(pub, MSG, sig)
    assert Signature.unpack(sig.pack()) == sig
    assert PublicKey.unpack(pub.pack()) == pub


def test_private_key_object_caches_and_hides_key() -> None:
    key = PrivateKey(PRV)
    assert key.public_key is key.public_key
    assert key.scalar % 8 == 0 and key.scalar >> 254 == 1  # pruned: cofactor bits clear, bit 254 set
    assert sign_poseidon(key, MSG) == sign_poseidon(PRV, MSG)
    assert PRV.hex() not in repr(key)


def test_tampering_is_rejected() -> None:
    pub = prv2pub(PRV)
    sig = sign_poseidon(PRV, MSG)
    other = prv2pub(bytes(32))
    assert not verify_poseidon(pub, MSG + 1, sig)
    assert not verify_poseidon(other, MSG, sig)
    assert not verify_poseidon(pub, MSG, replace(sig, s=(sig.s + 1) % bj.SUBORDER))
    # S + l gives the same point S * Base8, but the circuit (and circomlibjs) demand S < l.
    assert not verify_poseidon(pub, MSG, replace(sig, s=sig.s + bj.SUBORDER))
    assert not verify_poseidon(pub, MSG, replace(sig, r8x=sig.r8y, r8y=sig.r8x))  # off the curve
    assert not verify_poseidon(PublicKey(1, 2), MSG, sig)  # key off the curve
    r8_neg = bj.negate(sig.r8)
    assert not verify_poseidon(pub, MSG, replace(sig, r8x=r8_neg[0], r8y=r8_neg[1]))


def test_small_order_key_is_rejected_like_the_circuit(oracle: Oracle) -> None:
    """With A = identity, S * Base8 == R8 holds for any message: circomlibjs accepts, the circuit not."""
    s = 12345
    r8 = bj.mul_base8(s)
    forged = Signature(r8[0], r8[1], s)
    for small in (bj.IDENTITY, (0, R - 1)):
        key = PublicKey(*small)
        assert not key.is_valid()
        assert not verify_poseidon(key, 999, forged)
    (theirs,) = oracle(
        [{"op": "verify", "msg": "999", "A": ["0", "1"], "sig": {"R8": [str(c) for c in r8], "S": str(s)}}]
    )
    assert theirs is True  # the divergence this module closes on purpose


@pytest.mark.parametrize("bad", [b"", bytes(31), bytes(33), "00" * 32, bytearray(32)])
def test_bad_private_keys_raise(bad: object) -> None:
    with pytest.raises(CryptoError, match="32 bytes"):
        PrivateKey(bad)  # type: ignore[arg-type]
    if not isinstance(bad, bytearray):
        with pytest.raises(CryptoError):
            prv2pub(bad)  # type: ignore[arg-type]


def test_bytearray_private_key_is_accepted() -> None:
    assert prv2pub(bytearray(PRV)).point == PUB


def test_bad_values_raise() -> None:
    pub = prv2pub(PRV)
    sig = sign_poseidon(PRV, MSG)
    for bad_msg in (R, -1, "1", True):
        with pytest.raises(CryptoError, match="message"):
            sign_poseidon(PRV, bad_msg)  # type: ignore[arg-type]
        with pytest.raises(CryptoError, match="message"):
            verify_poseidon(pub, bad_msg, sig)  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        verify_poseidon(PUB, MSG, sig)  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        verify_poseidon(pub, MSG, (R8, S))  # type: ignore[arg-type]
    with pytest.raises(CryptoError):
        PublicKey(R, 1)
    with pytest.raises(CryptoError):
        Signature(1, 2, 1 << 256)
    with pytest.raises(CryptoError):
        Signature(1, 2, -1)
    with pytest.raises(CryptoError):
        Signature.unpack(bytes(63))
    with pytest.raises(CryptoError):
        PublicKey(1, 2).pack()


def test_cross_check_with_circomlibjs(oracle: Oracle) -> None:
    """100 random keys and messages: same public keys, same signatures, our signatures verify in
    circomlibjs and theirs in ours, same packed form; tampered messages fail on both sides (checked on
    every fourth vector: circomlibjs needs ~30 ms per verification, which dominates this test)."""
    rng = random.Random(42)
    keys = [rng.randbytes(32) for _ in range(100)]
    msgs = [
        rng.choice([0, 1, R - 1, rng.randrange(1 << 64)]) if i % 10 == 0 else rng.randrange(R)
        for i in range(100)
    ]
    ours = [(prv2pub(k), sign_poseidon(k, m)) for k, m in zip(keys, msgs, strict=True)]

    def sig_json(sig: Signature) -> dict[str, object]:
        return {"R8": [str(sig.r8x), str(sig.r8y)], "S": str(sig.s)}

    reqs: list[dict[str, object]] = []
    for i, (k, m, (pub, sig)) in enumerate(zip(keys, msgs, ours, strict=True)):
        a = [str(pub.x), str(pub.y)]
        reqs += [
            {"op": "prv2pub", "prv": k.hex()},
            {"op": "sign", "prv": k.hex(), "msg": str(m)},
            {"op": "verify", "msg": str(m), "A": a, "sig": sig_json(sig)},
            {"op": "pack_signature", "sig": sig_json(sig)},
        ]
        if i % 4 == 0:
            reqs.append({"op": "verify", "msg": str((m + 1) % R), "A": a, "sig": sig_json(sig)})
    results = iter(oracle(reqs, workers=2))
    for i, (m, (pub, sig)) in enumerate(zip(msgs, ours, strict=True)):
        their_pub = PublicKey(*(int(c) for c in next(results)))
        their_sig_json = next(results)
        their_sig = Signature(
            int(their_sig_json["R8"][0]), int(their_sig_json["R8"][1]), int(their_sig_json["S"])
        )
        assert their_pub == pub
        assert their_sig == sig
        assert verify_poseidon(their_pub, m, their_sig)
        assert next(results) is True, "circomlibjs rejects our signature"
        assert next(results) == sig.pack().hex()
        if i % 4 == 0:
            assert not verify_poseidon(their_pub, (m + 1) % R, their_sig)
            assert next(results) is False, "circomlibjs accepts a tampered message"
