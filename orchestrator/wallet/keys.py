"""Wallet files: one user's L1 key (deposits, full exits, payouts) and L2 key (signs transfers).

TEST-ONLY: keys are kept in plain JSON under <home>/wallets, which suits a throw-away devnet and nothing
else. `create` funds a new L1 account with 100 ETH from the devnet deployer on every local chain.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account

from orchestrator.crypto.eddsa import PrivateKey
from orchestrator.errors import RollupError
from orchestrator.l2.account import address_to_int, pkh_of

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class WalletError(RollupError):
    """A wallet that does not exist, already exists, or cannot be read."""


@dataclass(frozen=True)
class Wallet:
    name: str
    l1_key: str
    l2_key: PrivateKey

    @property
    def address(self) -> str:
        return str(Account.from_key(self.l1_key).address)

    @property
    def address_int(self) -> int:
        return address_to_int(self.address)

    @property
    def pkh(self) -> int:
        return pkh_of(self.l2_key.public_key)

    @property
    def pkh_bytes(self) -> bytes:
        return self.pkh.to_bytes(20, "big")


def wallet_dir(home: Path) -> Path:
    return home / "wallets"


def create_wallet(home: Path, name: str, l1_key: str | None = None, l2_key: bytes | None = None) -> Wallet:
    if not NAME_RE.match(name):
        raise WalletError(f"wallet name {name!r}: use 1-32 lowercase letters, digits, '-' or '_'")
    path = wallet_dir(home) / f"{name}.json"
    if path.exists():
        raise WalletError(f"wallet {name!r} already exists ({path})")
    if l1_key is not None:
        try:
            Account.from_key(l1_key)
        except (ValueError, TypeError):
            raise WalletError("--l1-key must be a 0x-prefixed 32-byte hex private key") from None
    wallet = Wallet(
        name, l1_key or "0x" + secrets.token_bytes(32).hex(), PrivateKey(l2_key or secrets.token_bytes(32))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "name": name,
        "l1_key": wallet.l1_key,
        "l2_key": "0x" + wallet.l2_key.key.hex(),
        "address": wallet.address,
        "pkh": hex(wallet.pkh),
        "note": "TEST-ONLY devnet wallet",
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(path, 0o600)
    return wallet


def load_wallet(home: Path, name: str) -> Wallet:
    if not NAME_RE.match(name):  # a name is never a path: "../x" must not read another file
        raise WalletError(f"no wallet {name!r}: wallet names are 1-32 lowercase letters, digits, '-' or '_'")
    path = wallet_dir(home) / f"{name}.json"
    try:
        data = json.loads(path.read_text())
        return Wallet(data["name"], data["l1_key"], PrivateKey(bytes.fromhex(data["l2_key"][2:])))
    except FileNotFoundError:
        raise WalletError(f"no wallet {name!r}: create it with `rollup account create {name}`") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WalletError(f"wallet {path} is unreadable: {exc}") from None


def list_wallets(home: Path) -> list[Wallet]:
    return [load_wallet(home, p.stem) for p in sorted(wallet_dir(home).glob("*.json"))]


def recorded_accounts(home: Path, name: str) -> dict[int, int]:
    """L2 token id -> account index, as this wallet recorded them when its deposits were credited."""
    path = wallet_dir(home) / f"{name}.json"
    try:
        accounts = json.loads(path.read_text()).get("accounts", {})
        return {int(token): int(index) for token, index in accounts.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def record_account(home: Path, name: str, token: int, index: int) -> None:
    """Remember that `name`'s L2 account for `token` is `index` (full exits need it without the
    sequencer). Written atomically: a crash leaves the old file or the new one."""
    path = wallet_dir(home) / f"{name}.json"
    data = json.loads(path.read_text())
    data.setdefault("accounts", {})[str(token)] = index
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
