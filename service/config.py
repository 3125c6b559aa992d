"""Settings: the one place that reads the environment.

Every setting has the prefix ``EINVOICE_`` except ``DATABASE_URL``, which keeps the name operators
and platforms already use. ``get_settings()`` is cached; tests clear the cache after changing the
environment.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-change-me"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EINVOICE_", extra="ignore")

    # --- core -------------------------------------------------------------------------------
    environment: Environment = Field(
        Environment.development,
        description="development, test or production; production refuses unsafe defaults.",
    )
    database_url: str = Field(
        "sqlite:///data/einvoice.db",
        validation_alias=AliasChoices("DATABASE_URL", "EINVOICE_DATABASE_URL"),
        description="SQLAlchemy URL. SQLite file under ./data by default; "
        "postgresql://user@host/db (psycopg 3) for production.",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Signs session cookies and CSRF tokens. Must be set (32+ chars) in production.",
    )
    host: str = Field("127.0.0.1", description="Default bind address of `einvoice serve`.")
    port: int = Field(8000, description="Default port of `einvoice serve`.")
    workers: int = Field(1, description="Default number of server processes of `einvoice serve`.")
    log_level: str = Field("INFO", description="Log level (DEBUG, INFO, WARNING, ERROR).")
    log_json: bool = Field(False, description="Write logs as JSON lines (one object per line).")
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL used in links and Location headers."
    )

    # --- validation artefacts ----------------------------------------------------------------
    artifacts_dir: Path = Field(
        Path("data/artifacts"), description="Where the installed validation artefacts live."
    )
    artifacts_mirror: Path | None = Field(
        None,
        description="Local mirror laid out like shared/artifacts; `artifacts install` copies from "
        "it instead of downloading (offline installation).",
    )
    schemas_manifest: Path | None = Field(
        None,
        description="The pinned artefact manifest; unset = schemas/manifest.json of the checkout "
        "(set it when the package is installed elsewhere, as in the Docker image).",
    )
    validation_cache_dir: Path = Field(
        Path("data/cache"), description="Compiled Schematron stylesheets, keyed by source SHA-256."
    )
    accepted_scenarios: list[str] = Field(
        default_factory=lambda: ["peppol-bis-billing-3", "nlcius", "nlcius-gaccount", "en16931", "en16931-cius"],
        description="Validation scenarios the service accepts; documents of other scenarios are "
        "rejected as UNSUPPORTED_DOCUMENT (JSON list).",
    )

    # --- intake ------------------------------------------------------------------------------
    max_document_bytes: int = Field(
        20 * 1024 * 1024, description="Largest accepted invoice body in bytes (413 above)."
    )

    # --- ERP integration (change feed, webhooks) ---------------------------------------------
    webhook_dispatcher_in_serve: bool = Field(
        True, description="Run the webhook dispatcher inside every `einvoice serve` process "
        "(leases keep processes from sending one delivery twice); false = run `einvoice worker`.",
    )
    webhook_timeout_seconds: float = Field(
        10.0, description="Timeout of one webhook HTTP attempt (connect + response), in seconds."
    )
    webhook_max_attempts: int = Field(
        8, description="Attempts per webhook delivery before it is parked as dead (replayable)."
    )
    webhook_backoff_base_seconds: float = Field(
        5.0, description="Delay before the 2nd attempt; doubles per attempt, with jitter."
    )
    webhook_backoff_max_seconds: float = Field(
        3600.0, description="Upper bound of the delay between two webhook attempts."
    )
    webhook_poll_interval_seconds: float = Field(
        1.0, description="How often an idle webhook dispatcher looks for due deliveries."
    )
    webhook_concurrency: int = Field(
        4, description="Deliveries one dispatcher sends in parallel (a slow endpoint holds one slot)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults_in_production(self) -> "Settings":
        if self.environment is Environment.production:
            problems = []
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                problems.append("EINVOICE_SECRET_KEY must be set to a random value of 32+ characters")
            if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
                problems.append("DATABASE_URL must not be an in-memory database")
            if problems:
                raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
