"""One root exception for everything the orchestrator reports to a user.

The CLI catches `RollupError` and prints its message as one line; anything else is a bug and keeps its
traceback. Subclasses name the area so callers can react to a kind of failure without parsing text.
"""


class RollupError(Exception):
    """Root of every error the orchestrator raises on purpose."""


class ConfigError(RollupError):
    """A configuration file or option is invalid."""


class DevnetError(RollupError):
    """A devnet node could not be started, reached or stopped."""


class ToolError(RollupError):
    """An external tool (node, solc-js, anvil, circom, snarkjs) is missing or failed."""


class CompileError(RollupError):
    """Solidity or circuit sources failed to compile."""


class DeployError(RollupError):
    """A contract could not be deployed or a deployments file is unusable."""


class CryptoError(RollupError):
    """Invalid input to a cryptographic primitive (field element out of range, bad point, bad key)."""


class ProverError(RollupError):
    """Witness generation, setup, proving or verification failed."""


class TxRejected(RollupError):
    """An L2 transaction or operation breaks a rule (bad signature, nonce, balance, token, account, amount).

    `code` is a stable machine-readable reason (e.g. "bad_signature", "bad_nonce", "insufficient_balance")
    that the sequencer's RPC returns alongside the message. `facts` are the raw numbers behind it (amounts
    in base units, token and chain ids, account indices), so that a wallet can say it in its user's terms.
    """

    def __init__(self, code: str, message: str, facts: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.facts = dict(facts or {})


class ChainTxError(RollupError):
    """An L1 transaction would revert or did; `error` is the contract's custom error name, if decoded."""

    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error
