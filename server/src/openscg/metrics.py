"""Prometheus metrics of one server process, on a registry of its own (so several apps can live in one
test process). Served at /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("openscg_connections", "Open WebSockets by role.", ["role"], registry=r)
        self.batches = Counter("openscg_batches_stored_total", "Batches committed.", registry=r)
        self.samples = Counter("openscg_samples_stored_total", "Samples committed.", registry=r)
        self.acks = Counter("openscg_acks_total", "Acks sent (including repeated acks).", registry=r)
        self.errors = Counter("openscg_errors_total", "Errors told to clients, by code.", ["code"], registry=r)
        self.closes = Counter("openscg_ws_closes_total", "Sockets closed by the server, by code.", ["code"], registry=r)
        self.queue_drops = Counter(
            "openscg_queue_drops_total", "Live messages dropped at a full viewer outbox.", registry=r
        )
        self.deliveries = Counter("openscg_deliveries_total", "Sample frames sent to viewers.", registry=r)
        self.commit_seconds = Histogram(
            "openscg_append_seconds",
            "Time from receiving a batch to its commit.",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.writer_pending = Gauge("openscg_writer_pending", "Writes waiting for the writer.", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
