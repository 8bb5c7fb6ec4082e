"""Scraping a live daemon's GET /metrics and GET /health as Prometheus and a health checker would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


def get(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


class Scrape:
    """One scrape of `base`/metrics: its families by name, and every sample."""

    def __init__(self, base: str) -> None:
        status, content_type, body = get(base + "/metrics")
        assert status == 200 and content_type.startswith("text/plain"), (status, content_type, body[:300])
        self.families = {f.name: f for f in text_string_to_metric_families(body.decode())}
        self.all = [s for f in self.families.values() for s in f.samples]

    def samples(self, name: str, **labels: str) -> list[Sample]:
        """The samples named `name` (`x_total` of counter x, `h_count` of histogram h, ...) whose labels
        include `labels`."""
        family = name.removesuffix("_total").removesuffix("_count").removesuffix("_sum")
        assert family in self.families or name in self.families, f"no {name} (have {sorted(self.families)})"
        wanted = labels.items()
        return [s for s in self.all if s.name == name and all(s.labels.get(k) == v for k, v in wanted)]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the matching samples (0 when none: a series not created yet)."""
        return sum(s.value for s in self.samples(name, **labels))


def health(base: str) -> tuple[int, dict[str, Any]]:
    status, content_type, body = get(base + "/health")
    assert content_type == "application/json", (status, content_type, body[:300])
    return status, json.loads(body)
