"""Prometheus metrics in the text exposition format, without a client library.

Counters and latency histograms are per process (each server worker exposes its own); the
invoices-by-status gauge is read from the database at scrape time, so it is the same everywhere.
"""

from __future__ import annotations

import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency_buckets: dict[tuple[str, str], list[int]] = defaultdict(
            lambda: [0] * len(LATENCY_BUCKETS)
        )
        self.latency_sum: dict[tuple[str, str], float] = defaultdict(float)
        self.latency_count: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, status)] += 1
            key = (method, route)
            buckets = self.latency_buckets[key]
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self.latency_sum[key] += seconds
            self.latency_count[key] += 1

    def render(self, invoices_by_status: dict[str, int],
               more: dict[str, dict[str, int]] | None = None) -> str:
        lines = [
            "# HELP einvoice_http_requests_total HTTP requests by method, route and status.",
            "# TYPE einvoice_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'einvoice_http_requests_total{{method="{method}",route="{_esc(route)}",status="{status}"}} {n}'
                )
            lines += [
                "# HELP einvoice_http_request_duration_seconds HTTP request latency.",
                "# TYPE einvoice_http_request_duration_seconds histogram",
            ]
            for (method, route), buckets in sorted(self.latency_buckets.items()):
                labels = f'method="{method}",route="{_esc(route)}"'
                for bound, n in zip(LATENCY_BUCKETS, buckets, strict=True):
                    lines.append(f'einvoice_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {n}')
                count = self.latency_count[(method, route)]
                lines.append(f'einvoice_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}')
                lines.append(f"einvoice_http_request_duration_seconds_sum{{{labels}}} {self.latency_sum[(method, route)]:.6f}")
                lines.append(f"einvoice_http_request_duration_seconds_count{{{labels}}} {count}")
        lines += [
            "# HELP einvoice_invoices Invoices by lifecycle status.",
            "# TYPE einvoice_invoices gauge",
        ]
        for state, n in sorted(invoices_by_status.items()):
            lines.append(f'einvoice_invoices{{status="{state}"}} {n}')
        more = more or {}
        if "invoices_by_organisation" in more:
            lines += [
                "# HELP einvoice_organisation_invoices Invoices by buyer organisation and lifecycle status.",
                "# TYPE einvoice_organisation_invoices gauge",
            ]
            for key, n in sorted(more["invoices_by_organisation"].items()):
                organisation, state = key.split("|", 1)
                lines.append(f'einvoice_organisation_invoices{{organisation="{_esc(organisation)}",'
                             f'status="{state}"}} {n}')
        if "webhook_deliveries" in more:
            lines += [
                "# HELP einvoice_webhook_deliveries Webhook deliveries by status (dead = parked).",
                "# TYPE einvoice_webhook_deliveries gauge",
            ]
            for state, count in sorted(more["webhook_deliveries"].items()):
                lines.append(f'einvoice_webhook_deliveries{{status="{state}"}} {count}')
        if "feed_unpublished" in more:
            lines += [
                "# HELP einvoice_feed_unpublished Change-feed entries committed but not yet numbered.",
                "# TYPE einvoice_feed_unpublished gauge",
                f"einvoice_feed_unpublished {sum(more['feed_unpublished'].values())}",
            ]
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
