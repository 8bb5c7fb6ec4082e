"""The devnet description (`devnet/devnet.toml`), typed and validated once at start.

Every rule is checked before anything is started, so a bad file costs one clear error line and changes
nothing. Unknown keys are errors too: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from orchestrator.config.committee import CommitteeConfig, parse_committee
from orchestrator.config.committee import MemberConfig as MemberConfig
from orchestrator.config.reader import Reader as _Reader
from orchestrator.errors import ConfigError
from orchestrator.l2.params import MODES, PROFILES, ROLLUP, Profile, get_profile

MAX_CHAINS = 8
NATIVE_DECIMALS = 18
FINALIZED = "finalized"  # a chain's confirmations: wait for the node's finalized block
_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9]{0,10}$")


class Role(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class TokenConfig:
    """A test ERC-20 token; its L2 token id is its position in the file, counted from 1 (0 is ETH)."""

    symbol: str
    name: str
    decimals: int
    l2_token_id: int
    min_deposit: int  # base units; dust cannot take the tree's leaves for free (docs/security.md)


@dataclass(frozen=True)
class ChainConfig:
    name: str
    role: Role
    evm_chain_id: int
    rollup_chain_id: int
    port: int | None
    external_rpc_url: str | None
    tokens: tuple[str, ...]
    # Blocks an event must be buried under before the daemons and validators act on it; None waits for the
    # node's `finalized` block (the default: a reorg can then never undo what was attested or credited).
    confirmations: int | None = None
    # The chain's native coin: "ETH" (L2 token 0), or the symbol of a [[tokens]] entry that the coin is on
    # this chain (with 18 decimals); `depositETH` credits that token there, and L2 ETH has no way in or out.
    native: str = "ETH"

    @property
    def rpc_url(self) -> str:
        if self.external_rpc_url is not None:
            return self.external_rpc_url
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_local(self) -> bool:
        """True when the devnet launcher starts this chain's node (it has a port, not an RPC URL)."""
        return self.port is not None

    @property
    def is_primary(self) -> bool:
        return self.role is Role.PRIMARY


@dataclass(frozen=True)
class TestKeys:
    """TEST-ONLY private keys from the devnet file; public knowledge, never for real value."""

    deployer: str
    operator: str
    validators: tuple[str, ...]
    validator_threshold: int
    relayer: str | None = (
        None  # pays for deliveries; its own account, so its nonces never meet the operator's
    )
    governor_key: str | None = None  # proposes changes to each chain's timelock
    guardian_key: str | None = None  # may pause deposits and commits for a while

    @property
    def governor(self) -> str:
        """The governor's key; the deployer's when the file names none."""
        return self.governor_key or self.deployer

    @property
    def guardian(self) -> str:
        """The guardian's key; the deployer's when the file names none."""
        return self.guardian_key or self.deployer


@dataclass(frozen=True)
class RollupConfig:
    """What the rollup contracts are deployed with: the circuit profile and the priority deadline."""

    profile: str = "test"
    priority_expiration_seconds: int = 86_400  # docs/exodus.md section 1: seconds, the same on every chain
    governance_delay_seconds: int = 172_800  # every change waits this long; more than the exodus window
    pause_seconds: int = 3_600  # a guardian's pause; at most a quarter of the exodus window
    eth_min_deposit: int = 10**12  # wei: the smallest ETH deposit (a millionth of an ETH)
    mode: str = ROLLUP  # data availability, fixed at deployment: "rollup" or "validium" (docs/validium.md)

    @property
    def circuit(self) -> Profile:
        """The circuit profile: the shape `profile` in data mode `mode`."""
        return get_profile(self.profile, self.mode)

    @property
    def validium(self) -> bool:
        return self.circuit.validium


@dataclass(frozen=True)
class SequencerConfig:
    """The sequencer daemon: where it listens, when it closes a block, how far behind the head it reads."""

    rpc_port: int = 8550
    block_timeout_ms: int = 2_000  # a block goes out this long after its first operation, full or not
    prove_batch: int = 8  # blocks verified in one proveBlocks call (one pairing check) at most
    poll_ms: int = 250
    prover_workers: int = 2  # worker processes of the local prover cluster (one proof each at a time)
    prover_cluster: str = ""  # a Dask scheduler to join instead ("tcp://host:port"); "" starts a local one
    prover_preload: bool = True  # each worker loads the proving key when it joins, not at its first proof

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"


@dataclass(frozen=True)
class RelayerConfig:
    poll_ms: int = 250
    metrics_port: int = 8551  # GET /metrics and /health on 127.0.0.1 (the relayer serves no JSON-RPC)

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"


@dataclass(frozen=True)
class DeploymentConfig:
    """The whole deployment as devnet/devnet.toml describes it: chains, tokens, keys, the rollup's
    parameters and the daemons' settings."""

    path: Path
    block_time: int
    keys: TestKeys
    tokens: tuple[TokenConfig, ...]
    chains: tuple[ChainConfig, ...]
    rollup: RollupConfig = field(default_factory=lambda: RollupConfig())
    sequencer: SequencerConfig = field(default_factory=lambda: SequencerConfig())
    relayer: RelayerConfig = field(default_factory=lambda: RelayerConfig())
    committee: CommitteeConfig | None = None  # Validium mode's data committee (None in rollup mode)

    @property
    def primary(self) -> ChainConfig:
        return next(c for c in self.chains if c.is_primary)

    @property
    def secondaries(self) -> tuple[ChainConfig, ...]:
        return tuple(c for c in self.chains if not c.is_primary)

    def chain(self, name: str) -> ChainConfig:
        for c in self.chains:
            if c.name == name:
                return c
        raise ConfigError(f"unknown chain {name!r}; the devnet has {', '.join(c.name for c in self.chains)}")

    def min_deposit(self, token_id: int) -> int:
        """The smallest deposit of L2 token `token_id`, in base units."""
        if token_id == 0:
            return self.rollup.eth_min_deposit
        return next(t.min_deposit for t in self.tokens if t.l2_token_id == token_id)

    def native_token_id(self, chain: ChainConfig) -> int:
        """The L2 token `chain`'s native coin is (0, ETH, unless the chain names another)."""
        return 0 if chain.native == "ETH" else self.token(chain.native).l2_token_id

    def token(self, symbol: str) -> TokenConfig:
        for t in self.tokens:
            if t.symbol == symbol:
                return t
        known = ", ".join(t.symbol for t in self.tokens)
        raise ConfigError(f"unknown token {symbol!r}; the devnet has {known}")


def load_config(path: Path) -> DeploymentConfig:
    """Read and validate a devnet file; raises ConfigError with the file name and the broken rule."""
    if not path.is_file():
        raise ConfigError(f"devnet config {path} not found (run from the project root or pass --config)")
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> DeploymentConfig:
    r = _Reader(path)
    r.only_keys(
        raw,
        "top level",
        {"devnet", "rollup", "sequencer", "relayer", "test_keys", "tokens", "chains", "committee"},
    )
    devnet = r.table(raw, "devnet", required=False)
    r.only_keys(devnet, "[devnet]", {"block_time"})
    block_time = r.integer(devnet, "block_time", "[devnet]", default=0, low=0, high=3600)
    keys = _parse_keys(r, r.table(raw, "test_keys"))
    tokens = tuple(
        _parse_token(r, t, i + 1) for i, t in enumerate(r.table_list(raw, "tokens", required=False))
    )
    chains = tuple(_parse_chain(r, c, i) for i, c in enumerate(r.table_list(raw, "chains")))
    _check_chains(r, chains, tokens)
    rollup = _parse_rollup(r, r.table(raw, "rollup", required=False))
    sequencer = _parse_sequencer(r, r.table(raw, "sequencer", required=False))
    relayer = _parse_relayer(r, r.table(raw, "relayer", required=False))
    committee = parse_committee(r, r.table(raw, "committee", required=False), rollup.mode)
    if committee is not None and sequencer.rpc_port in {m.port for m in committee.members}:
        r.fail(f"[committee]: a member's port is the sequencer's rpc_port {sequencer.rpc_port}")
    taken = {c.port: f"chain {c.name}'s port" for c in chains if c.port is not None}
    taken |= {m.port: f"member {m.name}'s port" for m in (committee.members if committee else ())}
    if owner := {**taken, sequencer.rpc_port: "the sequencer's rpc_port"}.get(relayer.metrics_port):
        r.fail(f"[relayer]: metrics_port {relayer.metrics_port} is already {owner}")
    return DeploymentConfig(
        path=path,
        block_time=block_time,
        keys=keys,
        tokens=tokens,
        chains=chains,
        rollup=rollup,
        sequencer=sequencer,
        relayer=relayer,
        committee=committee,
    )


def _parse_sequencer(r: _Reader, t: dict[str, Any]) -> SequencerConfig:
    w, d = "[sequencer]", SequencerConfig()
    _moved_confirmations(r, t, w)
    prover = {"prover_workers", "prover_cluster", "prover_preload"}
    r.only_keys(t, w, {"rpc_port", "block_timeout_ms", "prove_batch", "poll_ms", *prover})
    return SequencerConfig(
        rpc_port=r.integer(t, "rpc_port", w, low=1024, high=65535, default=d.rpc_port),
        block_timeout_ms=r.integer(
            t, "block_timeout_ms", w, low=0, high=3_600_000, default=d.block_timeout_ms
        ),
        prove_batch=r.integer(t, "prove_batch", w, low=1, high=64, default=d.prove_batch),
        poll_ms=r.integer(t, "poll_ms", w, low=10, high=60_000, default=d.poll_ms),
        prover_workers=r.integer(t, "prover_workers", w, low=1, high=256, default=d.prover_workers),
        prover_cluster=_parse_cluster(r, t, w),
        prover_preload=r.boolean(t, "prover_preload", w, default=d.prover_preload),
    )


_CLUSTER_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})$")


def cluster_address(address: str) -> str:
    """A Dask scheduler's address as the client dials it (`tcp://host:port`, `tls://host:port`, or
    `host:port` for tcp); `ConfigError` for anything else."""
    found = _CLUSTER_ADDRESS.match(address.strip())
    if found is None or not 1 <= int(found.group(3)) <= 65535:
        raise ConfigError(f"prover cluster address must be tcp://HOST:PORT (or tls://), got {address!r}")
    return f"{found.group(1) or 'tcp'}://{found.group(2)}:{int(found.group(3))}"


def _parse_cluster(r: _Reader, t: dict[str, Any], where: str) -> str:
    value = t.get("prover_cluster", "")
    if not isinstance(value, str):
        r.fail(f"{where}: prover_cluster must be a string (a scheduler's tcp://HOST:PORT, or empty)")
    if not value:
        return ""
    try:
        return cluster_address(value)
    except ConfigError as exc:
        r.fail(f"{where}: {exc}")


def _parse_relayer(r: _Reader, t: dict[str, Any]) -> RelayerConfig:
    w, d = "[relayer]", RelayerConfig()
    _moved_confirmations(r, t, w)
    r.only_keys(t, w, {"poll_ms", "metrics_port"})
    return RelayerConfig(
        poll_ms=r.integer(t, "poll_ms", w, low=10, high=60_000, default=d.poll_ms),
        metrics_port=r.integer(t, "metrics_port", w, low=1024, high=65535, default=d.metrics_port),
    )


def _moved_confirmations(r: _Reader, t: dict[str, Any], where: str) -> None:
    if "confirmations" in t:
        r.fail(
            f'{where}: confirmations moved to each [[chains]] entry (a depth per chain, or "{FINALIZED}", '
            "the default: the node's finalized block)"
        )


def _parse_rollup(r: _Reader, t: dict[str, Any]) -> RollupConfig:
    if "priority_expiration_blocks" in t:
        r.fail(
            "[rollup]: priority_expiration_blocks is gone: deadlines are in seconds now, the same on chains "
            "with different block times (priority_expiration_seconds; docs/exodus.md)"
        )
    r.only_keys(
        t,
        "[rollup]",
        {
            "profile",
            "priority_expiration_seconds",
            "governance_delay_seconds",
            "pause_seconds",
            "eth_min_deposit",
            "mode",
        },
    )
    defaults = RollupConfig()
    profile = r.string(t, "profile", "[rollup]") if "profile" in t else defaults.profile
    if profile not in PROFILES:
        r.fail(f"[rollup]: unknown circuit profile {profile!r} (known: {', '.join(PROFILES)})")
    expiration = r.integer(
        t,
        "priority_expiration_seconds",
        "[rollup]",
        low=4,
        high=2**32,
        default=defaults.priority_expiration_seconds,
    )
    # Defaults follow the window: a day more for the delay (time to see a change and leave), a quarter of
    # it at most for a pause (docs/security.md).
    delay = r.integer(
        t, "governance_delay_seconds", "[rollup]", low=1, high=2**32, default=expiration + 86_400
    )
    if delay <= expiration:
        r.fail(
            f"[rollup] governance_delay_seconds ({delay}) must be longer than priority_expiration_seconds "
            f"({expiration}): users must be able to leave before a change lands"
        )
    default_pause = min(defaults.pause_seconds, expiration // 4)
    pause = r.integer(t, "pause_seconds", "[rollup]", low=1, high=2**32, default=default_pause)
    if pause > expiration // 4:
        r.fail(
            f"[rollup] pause_seconds ({pause}) must be at most a quarter of priority_expiration_seconds "
            f"({expiration // 4}): a pause must not run out the operator's time to serve the queue"
        )
    eth_min = r.integer(
        t, "eth_min_deposit", "[rollup]", low=1, high=2**63 - 1, default=defaults.eth_min_deposit
    )
    mode = r.string(t, "mode", "[rollup]") if "mode" in t else defaults.mode
    if mode not in MODES:
        r.fail(f"[rollup]: unknown mode {mode!r} (known: {', '.join(MODES)})")
    return RollupConfig(profile, expiration, delay, pause, eth_min, mode)


def _parse_keys(r: _Reader, t: dict[str, Any]) -> TestKeys:
    r.only_keys(
        t,
        "[test_keys]",
        {"deployer", "operator", "relayer", "governor", "guardian", "validators", "validator_threshold"},
    )
    validators = t.get("validators", [])
    if not isinstance(validators, list) or not validators:
        r.fail("[test_keys] validators must be a non-empty list of private keys")
    keys = [r.key(t, "deployer", "[test_keys]"), r.key(t, "operator", "[test_keys]")]
    for i, v in enumerate(validators):
        keys.append(r.key({"v": v}, "v", f"[test_keys] validators[{i}]"))
    if len(set(keys[2:])) != len(keys[2:]):
        r.fail("[test_keys] validators must be distinct")
    threshold = r.integer(t, "validator_threshold", "[test_keys]", low=1, high=len(validators))
    relayer = r.key(t, "relayer", "[test_keys]") if "relayer" in t else None
    if relayer is not None and relayer in keys[:2]:
        r.fail("[test_keys] relayer must differ from deployer and operator (each account owns its nonces)")
    governor = r.key(t, "governor", "[test_keys]") if "governor" in t else None
    guardian = r.key(t, "guardian", "[test_keys]") if "guardian" in t else None
    return TestKeys(keys[0], keys[1], tuple(keys[2:]), threshold, relayer, governor, guardian)


def _parse_token(r: _Reader, t: dict[str, Any], l2_id: int) -> TokenConfig:
    where = f"[[tokens]] #{l2_id}"
    r.only_keys(t, where, {"symbol", "name", "decimals", "min_deposit"})
    symbol = r.string(t, "symbol", where)
    if not _SYMBOL_RE.match(symbol):
        r.fail(f"{where}: symbol {symbol!r} must be 1-11 upper-case letters or digits, first a letter")
    if symbol == "ETH":
        r.fail(f"{where}: ETH is built in (L2 token 0); do not list it as a token")
    name = r.string(t, "name", where)
    decimals = r.integer(t, "decimals", where, low=0, high=36)
    minimum = r.integer(t, "min_deposit", where, low=1, high=2**63 - 1, default=default_min_deposit(decimals))
    return TokenConfig(symbol=symbol, name=name, decimals=decimals, l2_token_id=l2_id, min_deposit=minimum)


def default_min_deposit(decimals: int) -> int:
    """A millionth of a whole unit (at least one base unit): 10^12 wei of ETH, 1 of a 6-decimal token."""
    return int(10 ** max(decimals - 6, 0))


def _parse_chain(r: _Reader, c: dict[str, Any], index: int) -> ChainConfig:
    where = f"[[chains]] #{index + 1}"
    keys = {
        "name",
        "role",
        "evm_chain_id",
        "rollup_chain_id",
        "port",
        "rpc_url",
        "tokens",
        "confirmations",
        "native",
    }
    r.only_keys(c, where, keys)
    name = r.string(c, "name", where)
    if not _NAME_RE.match(name):
        r.fail(f"{where}: name {name!r} must be lower-case letters, digits or '-', starting with a letter")
    where = f"chain {name!r}"
    role_text = r.string(c, "role", where)
    try:
        role = Role(role_text)
    except ValueError:
        r.fail(f"{where}: role must be 'primary' or 'secondary', not {role_text!r}")
    evm_chain_id = r.integer(c, "evm_chain_id", where, low=1, high=2**53 - 1)
    rollup_chain_id = r.integer(c, "rollup_chain_id", where, low=1, high=MAX_CHAINS)
    port = c.get("port")
    rpc_url = c.get("rpc_url")
    if (port is None) == (rpc_url is None):
        r.fail(f"{where}: give exactly one of port (a local anvil node) or rpc_url (an external node)")
    if port is not None:
        port = r.integer(c, "port", where, low=1024, high=65535)
    if rpc_url is not None and not (isinstance(rpc_url, str) and rpc_url.startswith(("http://", "https://"))):
        r.fail(f"{where}: rpc_url must be an http(s) URL")
    tokens = c.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(s, str) for s in tokens):
        r.fail(f"{where}: tokens must be a list of token symbols")
    confirmations = c.get("confirmations", FINALIZED)
    is_count = isinstance(confirmations, int) and not isinstance(confirmations, bool)
    if confirmations != FINALIZED and not (is_count and 0 <= confirmations <= 10_000):
        r.fail(f'{where}: confirmations must be "{FINALIZED}" or a block count 0..10000')
    depth = None if confirmations == FINALIZED else int(confirmations)
    native = r.string(c, "native", where) if "native" in c else "ETH"
    return ChainConfig(name, role, evm_chain_id, rollup_chain_id, port, rpc_url, tuple(tokens), depth, native)


def _check_chains(r: _Reader, chains: tuple[ChainConfig, ...], tokens: tuple[TokenConfig, ...]) -> None:
    if not 1 <= len(chains) <= MAX_CHAINS:
        r.fail(f"the devnet needs 1 to {MAX_CHAINS} chains, not {len(chains)}")
    primaries = [c.name for c in chains if c.is_primary]
    if not primaries:
        r.fail("no chain has role = 'primary'; exactly one must")
    if len(primaries) > 1:
        r.fail(f"exactly one chain may be primary, but {', '.join(primaries)} all are")
    for label, values in (
        ("name", [c.name for c in chains]),
        ("EVM chain id", [c.evm_chain_id for c in chains]),
        ("rollup chain id", [c.rollup_chain_id for c in chains]),
        ("port", [c.port for c in chains if c.port is not None]),
    ):
        _check_distinct(r, label, values)
    ids = sorted(c.rollup_chain_id for c in chains)
    if ids != list(range(1, len(chains) + 1)):
        r.fail(f"rollup chain ids must be 1..{len(chains)}, one per chain; got {ids}")
    symbols = [t.symbol for t in tokens]
    _check_distinct(r, "token symbol", symbols)
    for c in chains:
        for s in c.tokens:
            if s not in symbols:
                r.fail(f"chain {c.name!r} lists token {s!r}, which no [[tokens]] entry defines")
        if len(set(c.tokens)) != len(c.tokens):
            r.fail(f"chain {c.name!r} lists a token twice")
        if c.native != "ETH":
            if c.native not in symbols:
                r.fail(f"chain {c.name!r}: native coin {c.native!r} is neither ETH nor a [[tokens]] entry")
            if c.native in c.tokens:
                r.fail(
                    f"chain {c.name!r}: {c.native} is its native coin, so it cannot be an ERC-20 there too"
                )
            if next(t for t in tokens if t.symbol == c.native).decimals != NATIVE_DECIMALS:
                r.fail(
                    f"chain {c.name!r}: a native coin has {NATIVE_DECIMALS} decimals, so {c.native} must too"
                )


def _check_distinct(r: _Reader, label: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            r.fail(f"two entries use the same {label} {v!r}; each must be distinct")
        seen.add(v)
