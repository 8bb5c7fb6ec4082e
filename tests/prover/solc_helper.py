"""Compile Solidity for the prover tests with solc-js through node, cached by input hash.

The project's compiler module is written concurrently elsewhere; these tests keep their own tiny path
to solc-js so that they depend only on node_modules/solc. Settings: evmVersion cancun, optimizer on,
200 runs. A fresh compile costs seconds, so outputs are cached under build/test-solc/.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from typing import Any

from orchestrator.paths import build_dir, node_binary, repo_root

# Reads standard JSON on stdin, writes solc's standard JSON output; no process.exit() after writing
# (node would cut a piped stdout at 64 KB).
_NODE_SOLC = """
const solc = require("solc");
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(
    solc.compile(Buffer.concat(chunks).toString("utf8")))}));
});
"""


__all__ = ["Compiled", "compile_contract"]


@dataclass(frozen=True)
class Compiled:
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_size: int
    solc_version: str
    warnings: tuple[str, ...]


def compile_contract(source: str, contract: str, filename: str = "Verifier.sol") -> Compiled:
    """Compile one source file and return `contract` from it; solc errors fail the test."""
    standard = {
        "language": "Solidity",
        "sources": {filename: {"content": source}},
        "settings": {
            "evmVersion": "cancun",
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    request = json.dumps(standard, sort_keys=True)
    solc_package = (repo_root() / "node_modules" / "solc" / "package.json").read_text()
    key = hashlib.sha256((request + solc_package).encode()).hexdigest()
    cache = build_dir() / "test-solc" / f"{key}.json"
    if cache.is_file():
        result = json.loads(cache.read_text())
    else:
        done = subprocess.run(
            [node_binary(), "-e", _NODE_SOLC],
            input=request,
            capture_output=True,
            text=True,
            cwd=repo_root(),
            check=True,
        )
        result = json.loads(done.stdout)
        errors = [e for e in result["output"].get("errors", []) if e["severity"] == "error"]
        if errors:
            raise AssertionError("solc: " + "; ".join(e["formattedMessage"] for e in errors))
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(result))
    out = result["output"]["contracts"][filename][contract]
    return Compiled(
        abi=out["abi"],
        bytecode="0x" + out["evm"]["bytecode"]["object"],
        deployed_size=len(out["evm"]["deployedBytecode"]["object"]) // 2,
        solc_version=str(result["version"]),
        warnings=tuple(
            e["formattedMessage"] for e in result["output"].get("errors", []) if e["severity"] == "warning"
        ),
    )
