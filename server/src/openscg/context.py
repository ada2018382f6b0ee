"""What every handler needs, built once per app in its lifespan (see app.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from openscg.live.broker import Broker
from openscg.live.hub import Hub
from openscg.metrics import Metrics
from openscg.ratelimit import RateLimiter
from openscg.sessions.store import SessionStore
from openscg.settings import Settings


@dataclass
class Context:
    settings: Settings
    store: SessionStore
    broker: Broker
    hub: Hub
    metrics: Metrics
    create_limiter: RateLimiter
    background: set[asyncio.Task[object]] = field(default_factory=set)  # e.g. demo patients
