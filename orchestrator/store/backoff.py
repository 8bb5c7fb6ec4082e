"""How long a daemon waits before trying again something that failed (a payout, a message delivery)."""

from __future__ import annotations

RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0  # something that keeps failing costs a try or two a minute


def retry_delay(failed_before: int) -> float:
    """Seconds before the next try of something that failed `failed_before` times before this failure:
    2, 4, 8 ... up to a minute."""
    return float(min(RETRY_FIRST_S * 2**failed_before, RETRY_MAX_S))
