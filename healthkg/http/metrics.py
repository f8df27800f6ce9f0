"""Counters of one worker process, written in the Prometheus text format at /metrics."""

from __future__ import annotations

import os
import threading
from collections import Counter

#: Upper bounds of the latency histogram, in seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """Requests by route, method and status; a latency histogram; errors and timeouts.

    Each gunicorn worker counts its own requests; samples carry a ``worker`` label (the
    process id) so that a scraper can sum them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.buckets = [0] * len(BUCKETS)
        self.latency_sum = 0.0
        self.latency_count = 0
        self.errors: Counter[int] = Counter()
        self.timeouts = 0
        self.cache_hits = 0

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        with self._lock:
            self.requests[(route, method, status)] += 1
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.buckets[i] += 1
            self.latency_sum += seconds
            self.latency_count += 1
            if status >= 400:
                self.errors[status] += 1

    def timeout(self) -> None:
        """Count a query stopped at its deadline."""
        with self._lock:
            self.timeouts += 1

    def render(self, extra: dict[str, float] | None = None) -> str:
        """The counters in the Prometheus text exposition format (version 0.0.4)."""
        worker = f'worker="{os.getpid()}"'
        lines = ["# HELP healthkg_requests_total HTTP requests answered.",
                 "# TYPE healthkg_requests_total counter"]
        with self._lock:
            for (route, method, status), count in sorted(self.requests.items()):
                lines.append(f'healthkg_requests_total{{{worker},route="{_label(route)}",'
                             f'method="{_label(method)}",status="{status}"}} {count}')
            lines += ["# HELP healthkg_request_duration_seconds Time to answer a request.",
                      "# TYPE healthkg_request_duration_seconds histogram"]
            for bound, count in zip(BUCKETS, self.buckets, strict=True):
                lines.append(f'healthkg_request_duration_seconds_bucket{{{worker},'
                             f'le="{bound}"}} {count}')
            lines.append(f'healthkg_request_duration_seconds_bucket{{{worker},le="+Inf"}} '
                         f"{self.latency_count}")
            lines.append(f"healthkg_request_duration_seconds_sum{{{worker}}} "
                         f"{self.latency_sum:.6f}")
            lines.append(f"healthkg_request_duration_seconds_count{{{worker}}} "
                         f"{self.latency_count}")
            lines += ["# HELP healthkg_errors_total Requests answered with an error status.",
                      "# TYPE healthkg_errors_total counter"]
            for status, count in sorted(self.errors.items()):
                lines.append(f'healthkg_errors_total{{{worker},status="{status}"}} {count}')
            lines += ["# HELP healthkg_query_timeouts_total Queries stopped at their deadline.",
                      "# TYPE healthkg_query_timeouts_total counter",
                      f"healthkg_query_timeouts_total{{{worker}}} {self.timeouts}"]
        for name, value in (extra or {}).items():
            lines += [f"# TYPE {name} gauge", f"{name}{{{worker}}} {value}"]
        return "\n".join(lines) + "\n"
