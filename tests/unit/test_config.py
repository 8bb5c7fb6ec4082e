"""The devnet file: the shipped one is valid, and every broken rule is one clear ConfigError."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from orchestrator.config import MAX_CHAINS, Role, cluster_address, load_config, parse_config
from orchestrator.errors import ConfigError
from tests.helpers import KEYS, REPO, ChainSpec, chains_toml


def _raw(chains: list[ChainSpec]) -> dict[str, Any]:
    return tomllib.loads(KEYS + chains_toml(chains))


def _chains(*specs: tuple[int, int, str]) -> list[ChainSpec]:
    names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    return [ChainSpec(names[i], cid, port, role) for i, (cid, port, role) in enumerate(specs)]


def test_shipped_devnet_file_is_valid() -> None:
    config = load_config(REPO / "devnet" / "devnet.toml")
    assert len(config.chains) == 3
    assert config.primary.role is Role.PRIMARY
    assert [c.rollup_chain_id for c in config.chains] == [1, 2, 3]
    assert len({c.evm_chain_id for c in config.chains}) == 3
    assert config.primary.rpc_url.startswith("http://127.0.0.1:")
    assert [t.l2_token_id for t in config.tokens] == [1, 2]
    assert config.rollup.profile == "test" and config.rollup.priority_expiration_seconds > 0
    assert config.relayer.metrics_url == "http://127.0.0.1:8551"  # beside the sequencer's 8550


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (((1, 9001, "primary"), (1, 9002, "secondary")), "same EVM chain id 1"),
        (((1, 9001, "secondary"), (2, 9002, "secondary")), "no chain has role = 'primary'"),
        (((1, 9001, "primary"), (2, 9002, "primary")), "exactly one chain may be primary"),
        (((1, 9001, "primary"), (2, 9001, "secondary")), "same port 9001"),
        (((1, 9001, "leader"),), "role must be 'primary' or 'secondary'"),
        (((1, 80, "primary"),), "port = 80 is outside 1024..65535"),
        (
            tuple((i + 1, 9001 + i, "primary" if i == 0 else "secondary") for i in range(9)),
            "rollup_chain_id = 9",
        ),
    ],
)
def test_bad_chain_sets_are_refused(specs: tuple[tuple[int, int, str], ...], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(_raw(_chains(*specs)), Path("devnet.toml"))


def test_no_chains_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"missing \[\[chains\]\]"):
        parse_config(tomllib.loads(KEYS), Path("devnet.toml"))


def test_max_chain_count_is_accepted() -> None:
    specs = tuple((i + 1, 9001 + i, "primary" if i == 0 else "secondary") for i in range(MAX_CHAINS))
    assert len(parse_config(_raw(_chains(*specs)), Path("x")).chains) == MAX_CHAINS


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["chains"][0].update(colour="red"), "unknown key 'colour'"),
        (lambda r: r["chains"][0].update(tokens=["XYZ"]), "token 'XYZ', which no"),
        (lambda r: r["chains"][0].update(rpc_url="http://x:1"), "exactly one of port"),
        (lambda r: r["chains"][0].update(evm_chain_id="one"), "evm_chain_id must be an integer"),
        (lambda r: r["chains"][0].update(name="Alpha!"), "name 'Alpha!' must be"),
        (lambda r: r["test_keys"].update(deployer="0x12"), "deployer must be a 0x-prefixed"),
        (lambda r: r["test_keys"].update(validator_threshold=5), "validator_threshold = 5 is outside 1..1"),
        (lambda r: r["tokens"].append(dict(r["tokens"][0])), "same token symbol 'USDC'"),
        (lambda r: r.pop("test_keys"), r"missing table \[test_keys\]"),
        (lambda r: r.update(rollup={"profile": "huge"}), "unknown circuit profile 'huge'"),
        (lambda r: r.update(rollup={"priority_expiration_seconds": 0}), "priority_expiration_seconds = 0"),
        (lambda r: r.update(rollup={"priority_expiration_blocks": 10}), "deadlines are in seconds now"),
        (lambda r: r.update(rollup={"prfile": "test"}), r"\[rollup\]: unknown key 'prfile'"),
        (
            lambda r: r.update(rollup={"priority_expiration_seconds": 100, "governance_delay_seconds": 100}),
            r"governance_delay_seconds \(100\) must be longer than priority_expiration_seconds \(100\)",
        ),
        (
            lambda r: r.update(rollup={"priority_expiration_seconds": 100, "pause_seconds": 26}),
            r"pause_seconds \(26\) must be at most a quarter of priority_expiration_seconds \(25\)",
        ),
        (lambda r: r["test_keys"].update(guardian="0x12"), "guardian must be a 0x-prefixed"),
        (
            lambda r: r["chains"][0].update(confirmations="soon"),
            'confirmations must be "finalized" or a block',
        ),
        (
            lambda r: r.update(relayer={"confirmations": 0}),
            r"confirmations moved to each \[\[chains\]\] entry",
        ),
        (lambda r: r["chains"][0].update(rollup_chain_id=2), r"rollup chain ids must be 1..1, one per chain"),
        (lambda r: r["chains"][0].update(native="POL"), "native coin 'POL' is neither ETH nor a"),
        (lambda r: r["chains"][0].update(native="USDC"), "so it cannot be an ERC-20 there too"),
        (lambda r: r.update(sequencer={"prover_workers": 0}), r"prover_workers = 0 is outside 1..256"),
        (lambda r: r.update(sequencer={"prover_cluster": 8786}), "prover_cluster must be a string"),
        (lambda r: r.update(sequencer={"prover_preload": "yes"}), "prover_preload must be true or false"),
        (
            lambda r: r.update(sequencer={"prover_cluster": "http://sched:8786"}),
            r"\[sequencer\]: prover cluster address must be tcp://HOST:PORT",
        ),
        (
            lambda r: r.update(sequencer={"prover_cluster": "tcp://sched:99999"}),
            "prover cluster address must be",
        ),
        (lambda r: r.update(relayer={"metrics_port": "8551"}), r"\[relayer\]: metrics_port must be an int"),
        (lambda r: r.update(relayer={"metrics_port": 80}), "metrics_port = 80 is outside 1024..65535"),
        (lambda r: r.update(relayer={"metrics_port": 9001}), "metrics_port 9001 is already chain a's port"),
        (lambda r: r.update(relayer={"metrics_port": 8550}), "metrics_port 8550 is already the sequencer's"),
    ],
)
def test_bad_fields_are_refused(edit: Any, message: str) -> None:
    raw = _raw(_chains((1, 9001, "primary")))
    edit(raw)
    with pytest.raises(ConfigError, match=message):
        parse_config(raw, Path("devnet.toml"))


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[chains]\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_a_native_coin_has_18_decimals() -> None:
    raw = _raw(_chains((1, 9001, "primary")))
    raw["chains"][0].update(native="USDC", tokens=[])
    with pytest.raises(ConfigError, match="a native coin has 18 decimals, so USDC must too"):
        parse_config(raw, Path("devnet.toml"))


def test_confirmations_default_to_finality() -> None:
    """Without a depth, a chain's events count once the node has finalized them (issue 14 point 4)."""
    raw = _raw(_chains((1, 9001, "primary"), (2, 9002, "secondary")))
    del raw["chains"][0]["confirmations"]  # the test files give 0
    raw["chains"][1]["confirmations"] = 3
    config = parse_config(raw, Path("devnet.toml"))
    assert [c.confirmations for c in config.chains] == [None, 3]


def test_external_chain_uses_its_rpc_url() -> None:
    raw = _raw(_chains((1, 9001, "primary")))
    del raw["chains"][0]["port"]
    raw["chains"][0]["rpc_url"] = "https://rpc.example.invalid"
    chain = parse_config(raw, Path("x")).chains[0]
    assert not chain.is_local
    assert chain.rpc_url == "https://rpc.example.invalid"


def test_the_prover_cluster_defaults_to_a_local_one_and_takes_an_address() -> None:
    raw = _raw(_chains((1, 9001, "primary")))
    config = parse_config(raw, Path("devnet.toml"))
    assert (config.sequencer.prover_cluster, config.sequencer.prover_workers) == ("", 2)
    raw.update(sequencer={"prover_cluster": "10.0.0.7:8786", "prover_workers": 4})
    config = parse_config(raw, Path("devnet.toml"))
    assert (config.sequencer.prover_cluster, config.sequencer.prover_workers) == ("tcp://10.0.0.7:8786", 4)


@pytest.mark.parametrize(
    ("given", "dialled"),
    [
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("scheduler.lan:8786", "tcp://scheduler.lan:8786"),
        ("tls://prover-1:443", "tls://prover-1:443"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_cluster_addresses(given: str, dialled: str) -> None:
    assert cluster_address(given) == dialled


@pytest.mark.parametrize(
    "bad", ["", "8786", "tcp://host", "ws://host:1", "host:0", "host:8786/path", "a b:1"]
)
def test_bad_cluster_addresses_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="prover cluster address must be"):
        cluster_address(bad)
