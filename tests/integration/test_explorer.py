"""The explorer (`rollup explorer`) in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver, watches a running three-chain rollup. A deposit on a secondary and a withdrawal to
another chain move through every stage on every chain they concern, seen by DOM assertions on one page
load: the page updates itself, and a mark set in it at the start is still there at the end.

`SAVE_EXPLORER_SCREENSHOT=1` also writes the final page to docs/images/explorer.png (the README shows it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from orchestrator.devnet.node import free_ports
from orchestrator.paths import repo_root
from orchestrator.prover.profiles import BlockProver
from orchestrator.testing.devnets import write_settlement_devnet
from orchestrator.testing.running import RunningRollup, running_rollup
from tests.helpers import assert_one_error_line, run_rollup, wait_until

pytestmark = pytest.mark.integration

STAGE_WAIT_S = 300  # a loaded 2-core machine proves and relays slowly
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the closed network refuses what these would fetch
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1900",
)


@dataclass
class Explorer:
    rollup: RunningRollup
    url: str
    process: subprocess.Popen[str]
    started_s: float


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory, test_prover: BlockProver) -> Iterator[Explorer]:
    tmp: Path = tmp_path_factory.mktemp("explorer")
    with running_rollup(write_settlement_devnet(tmp, 3, 966000), tmp / "home") as rollup:
        (port,) = free_ports(1)
        command = [str(Path(sys.executable).parent / "rollup"), "--config", str(rollup.config_path)]
        command += ["--home", str(rollup.home), "explorer", "--port", str(port)]
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("explorer at http://127.0.0.1:"), line
            yield Explorer(rollup, f"http://127.0.0.1:{port}/", process, time.monotonic() - started)
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, (
        "Debian's chromium and chromium-driver: `scripts/setup --browser` installs them"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield chrome
    finally:
        chrome.quit()


def _cli(rollup: RunningRollup, *args: str) -> str:
    result = run_rollup(*args, config=rollup.config_path, home=rollup.home, timeout=600)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def _reached(page: WebDriver, block: int) -> dict[str, set[str]]:
    """Chain -> the stages the page shows reached for `block` (absent chains: the block is not theirs)."""
    script = """
        const row = document.getElementById('block-' + arguments[0]);
        if (!row) return null;
        const out = {};
        for (const td of row.querySelectorAll('td[data-concerned="true"]'))
            out[td.dataset.chain] = [...td.querySelectorAll('.pill.reached')].map(p => p.dataset.stage);
        return out;
    """
    found = page.execute_script(script, block)
    return {} if found is None else {chain: set(stages) for chain, stages in found.items()}


def _watch(page: WebDriver, block: int, want: dict[str, set[str]]) -> list[dict[str, set[str]]]:
    """Poll the page (never reload it) until `block` shows every wanted stage; each distinct state seen."""
    seen: list[dict[str, set[str]]] = []
    deadline = time.monotonic() + STAGE_WAIT_S
    while True:
        now = _reached(page, block)
        if not seen or now != seen[-1]:
            seen.append(now)
        if all(want[c] <= now.get(c, set()) for c in want):
            return seen
        assert time.monotonic() < deadline, f"block {block}: wanted {want}, the page went through {seen}"
        time.sleep(0.2)


def _present(page: WebDriver, css: str) -> bool:
    return bool(page.find_elements(By.CSS_SELECTOR, css))


def test_a_deposit_and_a_withdrawal_cross_every_stage_on_every_chain_without_a_reload(
    explorer: Explorer, browser: WebDriver
) -> None:
    rollup = explorer.rollup
    assert explorer.started_s < 10, explorer.started_s  # about a second on an idle machine (docs/explorer.md)
    browser.get(explorer.url)
    wait_until(lambda: int(browser.find_element(By.ID, "updated").get_attribute("data-updates") or 0) > 0, 30)
    browser.execute_script("window.__sameLoad = 'kept'")
    assert browser.find_element(By.CSS_SELECTOR, '#chains tr[data-chain="alpha"]').text.startswith(
        "alpha primary"
    )

    _cli(rollup, "account", "create", "gina")
    _cli(rollup, "deposit", "gina", "1", "ETH", "--chain", "gamma")  # gamma's vault can then pay out
    _cli(rollup, "account", "create", "dora")
    out = _cli(rollup, "deposit", "dora", "1", "ETH", "--chain", "beta")
    deposit_block = int(re.search(r"in block (\d+)", out).group(1))  # type: ignore[union-attr]
    all_of_beta = {"committed", "synchronized", "executed"}
    everything = {"alpha": {"committed", "proven", "synchronized", "executed"}, "beta": all_of_beta}
    deposit_states = _watch(browser, deposit_block, everything)
    row = browser.find_element(By.ID, f"block-{deposit_block}")
    assert "deposit" in row.text
    assert (
        row.find_element(By.CSS_SELECTOR, 'td[data-chain="gamma"]').get_attribute("data-concerned") == "false"
    )

    out = _cli(rollup, "withdraw", "dora", "0.5", "ETH", "--chain", "gamma", "--no-wait")
    tx_hash = re.search(r"accepted: (0x[0-9a-f]{64})", out).group(1)  # type: ignore[union-attr]
    withdraw_block = rollup.client.wait_block(tx_hash, timeout=120)
    paid = {"alpha": everything["alpha"], "gamma": all_of_beta | {"paid"}}
    withdraw_states = _watch(browser, withdraw_block, paid)
    assert "withdraw" in browser.find_element(By.ID, f"block-{withdraw_block}").text

    # the page moved on its own: it showed each block before every stage was reached, on the same load
    for states in (deposit_states, withdraw_states):
        assert len(states) >= 2 and states[0] != states[-1], states
        assert "executed" not in states[0].get("alpha", set()), states
    assert browser.execute_script("return window.__sameLoad") == "kept"

    # the messages: gamma's and beta's reports delivered to alpha, alpha's confirmations back
    for source in ("beta", "gamma", "alpha"):
        css = f'#messages tr[data-source="{source}"][data-delivered="true"]'
        wait_until(partial(_present, browser, css), 60, css)

    # block detail: operations decoded, stage gas on both chains, the proof
    browser.find_element(By.ID, f"block-{withdraw_block}").click()
    wait_until(lambda: "Stages, gas per chain" in browser.find_element(By.ID, "detail").text, 30, "detail")
    detail = browser.find_element(By.ID, "detail").text
    assert "withdraw" in detail and "chain gamma" in detail and "amount 500000000000000000" in detail, detail
    assert re.search(r"gamma executed [\d,]+", detail) and re.search(r"alpha proven [\d,]+", detail), detail
    assert '"seconds"' in detail  # the stored proof, with how long it took

    # account search, by wallet name: L2 balance and each chain's pending balances
    box = browser.find_element(By.ID, "account-query")
    box.send_keys("dora")
    browser.find_element(By.CSS_SELECTOR, "#account-form button").click()
    wait_until(lambda: "wallet dora" in browser.find_element(By.ID, "account-result").text, 30, "search")
    found = browser.find_element(By.ID, "account-result").text
    assert re.search(r"\n\d+ ETH 0\.5 1 0\.5 1\n", found), found  # 0.5 ETH left, nonce 1
    assert browser.execute_script("return window.__sameLoad") == "kept"
    if os.environ.get("SAVE_EXPLORER_SCREENSHOT"):
        browser.save_screenshot(str(repo_root() / "docs" / "images" / "explorer.png"))


def test_the_api_answers_bad_requests_with_one_line_and_no_traceback(explorer: Explorer) -> None:
    for path, status in (
        ("api/blocks/abc", 400),
        ("api/blocks/999999", 404),
        ("api/accounts?q=", 404),
        ("api/accounts?q=nobody", 404),
        ("api/nothing", 404),
    ):
        try:
            urllib.request.urlopen(explorer.url + path, timeout=10)
            raise AssertionError(f"{path} answered 200")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
            assert exc.code == status, (path, exc.code, body)
            assert "Traceback" not in body
            if "blocks" in path or "accounts" in path:
                assert json.loads(body)["error"], body
    overview = json.loads(urllib.request.urlopen(explorer.url + "api/overview", timeout=10).read())
    assert [c["name"] for c in overview["chains"]] == ["alpha", "beta", "gamma"]
    assert overview["mode"] == "rollup" and overview["chains"][0]["counters"]["proven"] >= 0
    page = urllib.request.urlopen(explorer.url, timeout=10).read().decode()
    assert "http://" not in page.replace(explorer.url, "") and "https://" not in page  # nothing from outside


def test_a_taken_port_or_a_home_with_nothing_deployed_is_one_error_line(
    explorer: Explorer, tmp_path: Path
) -> None:
    config = explorer.rollup.config_path
    port = explorer.url.rstrip("/").rsplit(":", 1)[1]
    result = run_rollup("explorer", "--port", port, config=config, home=explorer.rollup.home, timeout=60)
    assert "cannot listen on 127.0.0.1:" + port in assert_one_error_line(result)
    (free,) = free_ports(1)
    result = run_rollup("explorer", "--port", str(free), config=config, home=tmp_path / "empty", timeout=60)
    assert "rollup deploy" in assert_one_error_line(result)
