"""Every OPENSCG_* environment variable, typed, defaulted and described.

The server reads its configuration only from here; an invalid value stops startup with a message that names
the variable (see `load_settings`).
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the variable and the reason."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENSCG_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./data/openscg.db",
        description="Where sessions and samples are stored: sqlite:///path or postgresql://user@host/db.",
    )
    broker_url: str = Field(
        "memory://",
        description="How live batches reach viewers: memory:// (one process) or redis://host:port/db.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(  # NoDecode: the validator reads both forms
        default_factory=lambda: ["http://127.0.0.1:3000", "http://localhost:3000"],
        description="Origins allowed to call the REST API and open WebSockets (comma-separated or JSON list; "
        "'*' allows any).",
    )
    public_client_url: str = Field(
        "http://127.0.0.1:3000",
        description="Base URL of the web client, used to print viewer links (simulate, demo).",
    )
    log_level: str = Field("INFO", description="Logging level: DEBUG, INFO, WARNING, ERROR.")
    log_json: bool = Field(True, description="Log one JSON object per line (false: plain text).")

    max_message_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest WebSocket message accepted; larger closes with 4413."
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest REST request body (except import).")
    max_import_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="Largest import document.")
    max_samples_per_batch: int = Field(1000, ge=1, le=100_000, description="Samples allowed in one batch.")
    max_abs_accel_ms2: float = Field(1000.0, gt=0, description="Largest |acceleration| accepted, m/s².")
    hello_timeout_s: float = Field(10.0, gt=0, description="Seconds a socket may stay silent before hello.")
    bad_message_limit: int = Field(10, ge=1, description="bad_message errors before a socket is closed.")
    viewer_queue_batches: int = Field(
        64,
        ge=1,
        description="Frames a live viewer may hold at the server (its queue plus what its socket buffers have not "
        "delivered); beyond that it is closed with 1013 and resumes with since.",
    )
    viewer_send_buffer_bytes: int = Field(
        4096,  # with the event loop's buffer capped alike, a stalled viewer is let go within its 64 frames
        ge=4096,
        description="Kernel and event-loop send buffer of a live viewer's or a phone's socket (catching up from "
        "the database runs with the kernel's larger default).",
    )
    analysis_interval_s: float = Field(
        1.0, ge=0, description="Seconds between live analysis messages per session (0 turns live analysis off)."
    )
    demo_recording: str = Field(
        "mscardio_subject_0001.csv.gz", description="Bundled recording the demo patient replays (openscg/demo)."
    )
    demo_duration_s: float = Field(600.0, gt=0, description="How long a demo patient streams before ending.")
    max_demo_patients: int = Field(5, ge=0, description="Demo patients running at once (0 disables the demo).")
    watch_default_window_s: float = Field(
        30.0, ge=0, description="Without `since`, a viewer starts at the batch covering this many seconds."
    )
    sessions_per_minute: int = Field(
        30, ge=1, description="Sessions created or imported per client address per minute (then 429)."
    )
    write_batch_max: int = Field(
        512, ge=1, description="Most batches committed in one database transaction (group commit)."
    )
    commit_gather_ms: float = Field(
        2.0,
        ge=0,
        le=50,
        description="Milliseconds the writer waits for more writes before committing a group. Adds at most this "
        "to an ack and to the phone-to-viewer latency; more saves CPU under load (5 ms: ~5 % of a core at 300 "
        "phones) at the price of latency (bench/README-load.md).",
    )
    db_pool_size: int = Field(5, ge=1, description="Database connections kept for reads.")
    retention_days: float = Field(
        30.0,
        ge=0,
        description="Sessions created more than this many days ago are erased, with their samples and access "
        "log (fractions allowed; 0 keeps sessions until the patient deletes them).",
    )
    retention_interval_s: float = Field(
        3600.0, gt=0, description="Seconds between two passes of the retention job (the first runs at startup)."
    )
    max_clock_skew_s: float = Field(
        86400.0,
        ge=0,
        description="How far a live sample's t_ms may lie from the server's clock, in seconds, before the batch "
        "is refused with invalid_samples (a phone clock far off, or a timestamp in the wrong unit); 0 turns the "
        "check off. Imports are not checked: they hold old recordings.",
    )
    capture_batches_per_s: float = Field(
        50.0, gt=0, description="Batches per second one capture socket may send on average (then close 4429)."
    )
    capture_batch_burst: int = Field(
        1000,
        ge=1,
        description="Batches one capture socket may send at once above that rate, e.g. the backlog a phone resends "
        "after a network drop.",
    )
    max_sockets_per_address: int = Field(
        2000,
        ge=1,
        description="Open WebSockets (capture and watch) per client address; one more is closed with 4429. One "
        "address may be a whole clinic behind NAT, or a proxy: lower it when clients connect directly.",
    )
    max_session_duration_s: float = Field(
        86400.0, gt=0, description="Longest recording, last t_ms − first t_ms, in seconds (then invalid_samples)."
    )
    max_session_samples: int = Field(
        20_000_000, ge=1, description="Most samples one session may store (then invalid_samples)."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, str):
            return json.loads(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must be memory:// or redis://host:port/db")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return upper


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides); raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"OPENSCG_{field.upper()}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
