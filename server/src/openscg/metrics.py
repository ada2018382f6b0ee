"""Prometheus metrics of one server process, on a registry of its own (so several apps can live in one
test process). Served at /metrics.

The counters touched for every batch and every delivered frame (tens of thousands a second under load) are
plain integers on the event loop, read only when /metrics is scraped: a prometheus_client Counter takes a
lock on every increment, which cost a few per cent of a core in the load benchmark.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector


class HotCounter:
    """A counter for the event loop thread only: `inc` is one integer addition."""

    def __init__(self, name: str, documentation: str) -> None:
        self.name, self.documentation = name, documentation
        self.value = 0

    def inc(self, amount: int = 1) -> None:
        self.value += amount

    def family(self) -> Metric:
        return CounterMetricFamily(self.name, self.documentation, value=self.value)


class HotHistogram:
    """A histogram for the event loop thread only: `observe` is a bisect and two additions."""

    def __init__(self, name: str, documentation: str, buckets: tuple[float, ...]) -> None:
        self.name, self.documentation = name, documentation
        self.bounds = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def family(self) -> Metric:
        cumulative, running = [], 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            cumulative.append((bound, running))
        return HistogramMetricFamily(self.name, self.documentation, buckets=cumulative, sum_value=self.total)


class _HotCollector(Collector):
    def __init__(self, metrics: list[HotCounter | HotHistogram]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        for metric in self.metrics:
            yield metric.family()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("openscg_connections", "Open WebSockets by role.", ["role"], registry=r)
        self.batches = HotCounter("openscg_batches_stored", "Batches committed.")
        self.samples = HotCounter("openscg_samples_stored", "Samples committed.")
        self.acks = HotCounter("openscg_acks", "Acks sent (including repeated acks).")
        self.errors = Counter("openscg_errors_total", "Errors told to clients, by code.", ["code"], registry=r)
        self.closes = Counter("openscg_ws_closes_total", "Sockets closed by the server, by code.", ["code"], registry=r)
        self.queue_drops = Counter(
            "openscg_queue_drops_total", "Live messages dropped at a full viewer outbox.", registry=r
        )
        self.deliveries = HotCounter("openscg_deliveries", "Sample frames sent to viewers.")
        self.direct_frames = HotCounter(
            "openscg_direct_frames",
            "Frames written straight to the transport: acks and live viewer frames (0 where that path is off).",
        )
        self.commit_seconds = HotHistogram(
            "openscg_append_seconds",
            "Time from receiving a batch to its commit.",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
        )
        r.register(
            _HotCollector(
                [self.batches, self.samples, self.acks, self.deliveries, self.direct_frames, self.commit_seconds]
            )
        )
        self.writer_pending = Gauge("openscg_writer_pending", "Writes waiting for the writer.", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
