"""Results of the crypto package on fixed inputs, for comparing gmpy2 arithmetic with pure Python:
`python -m tests.crypto.accel_vectors` prints them as JSON (run with ROLLUP_PURE_PYTHON=1 for the
fallback); tests/crypto/test_accel.py compares that with the same function run in its own process."""

from __future__ import annotations

import json
import random
import sys
from typing import Any

from orchestrator.crypto import babyjub
from orchestrator.crypto.accel import ACCELERATOR
from orchestrator.crypto.eddsa import PrivateKey, Signature, sign_poseidon, verify_poseidon
from orchestrator.crypto.field import R, sqrt
from orchestrator.crypto.poseidon import poseidon


def vectors() -> dict[str, Any]:
    rng = random.Random(2026)
    out: dict[str, Any] = {"accelerator": ACCELERATOR}
    out["poseidon"] = [poseidon([rng.randrange(R) for _ in range(n)]) for n in range(1, 17)]
    out["sqrt"] = [sqrt(v) for v in (0, 1, 4, 5, R - 1, *(rng.randrange(R) for _ in range(20)))]
    out["poseidon_edges"] = [poseidon([0]), poseidon([R - 1] * 16), poseidon([1, 2])]
    points = [babyjub.mul_base8(rng.randrange(1, babyjub.SUBORDER)) for _ in range(4)]
    scalars = [0, 1, babyjub.SUBORDER - 1, babyjub.SUBORDER, babyjub.ORDER + 5, rng.randrange(1 << 300)]
    out["mul_base8"] = [babyjub.mul_base8(k) for k in scalars]
    out["mul"] = [babyjub.mul(p, k) for p in (*points, babyjub.GENERATOR) for k in scalars]
    out["add"] = [babyjub.add(p, q) for p in points for q in (*points, babyjub.IDENTITY)]
    out["mul8"] = [babyjub.mul8(p) for p in (*points, babyjub.GENERATOR)]
    out["in_subgroup"] = [babyjub.in_subgroup(p) for p in (*points, babyjub.GENERATOR)]
    out["unpack"] = [babyjub.unpack_point(babyjub.pack_point(p)) for p in points]
    signatures = []
    for i in range(4):
        key = PrivateKey(bytes([i + 1]) * 32)
        msg = rng.randrange(R)
        sig = sign_poseidon(key, msg)
        wrong = Signature(sig.r8x, sig.r8y, (sig.s + 1) % babyjub.SUBORDER)
        # Twice with the same key: the second check runs on the key's cached window table.
        checks = [verify_poseidon(key.public_key, msg, sig) for _ in range(2)]
        checks += [verify_poseidon(key.public_key, msg + 1, sig), verify_poseidon(key.public_key, msg, wrong)]
        signatures.append([key.public_key.point, sig.r8, sig.s, checks])
    out["eddsa"] = signatures
    same_as_json: dict[str, Any] = json.loads(json.dumps(out))  # tuples as lists, as in the subprocess's
    return same_as_json


if __name__ == "__main__":
    json.dump(vectors(), sys.stdout)
