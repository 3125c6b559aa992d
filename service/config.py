"""Settings: the one place that reads the environment.

Every setting has the prefix ``EINVOICE_`` except ``DATABASE_URL``, which keeps the name operators
and platforms already use. ``get_settings()`` is cached; tests clear the cache after changing the
environment.
"""

from __future__ import annotations

import ipaddress
import json
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET = "dev-insecure-change-me"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# URL scheme -> what it means; the drivers are the ones installed with the service.
DATABASE_SCHEMES = {
    "sqlite": "SQLite", "sqlite+pysqlite": "SQLite",
    "postgresql": "PostgreSQL", "postgres": "PostgreSQL", "postgresql+psycopg": "PostgreSQL",
}
DATABASE_URL_FORMS = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


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
    port: int = Field(8000, ge=1, le=65535, description="Default port of `einvoice serve`.")
    workers: int = Field(1, ge=1, description="Default number of server processes of `einvoice serve`.")
    log_level: str = Field("INFO", description="Log level (DEBUG, INFO, WARNING, ERROR, CRITICAL).")
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
    # NoDecode: the value is parsed by _json_list below, which says what is wrong with it.
    accepted_scenarios: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["peppol-bis-billing-3", "nlcius", "nlcius-gaccount", "en16931", "en16931-cius",
                                 "en16931-cii", "en16931-cii-cius"],
        description="Validation scenarios the service accepts; documents of other scenarios are "
        "rejected as UNSUPPORTED_DOCUMENT (JSON list).",
    )

    # --- intake ------------------------------------------------------------------------------
    # A 5,000-line Peppol invoice is about 6.8 MB with 115,000 elements (README: "Limits").
    max_document_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Largest accepted invoice body in bytes (413 above)."
    )
    max_elements: int = Field(
        200_000, gt=0, description="Most elements in one document, counted while parsing (413 above)."
    )
    max_attributes_per_element: int = Field(
        16, gt=0, description="Most attributes on one element of a document (422 above; UBL uses at most 3)."
    )
    max_namespace_declarations: int = Field(
        64, gt=0, description="Most namespace declarations in one document (422 above)."
    )
    max_text_chars: int = Field(
        100_000, gt=0, description="Longest text or attribute value in a document, in characters, embedded "
        "attachments aside (422 above).",
    )
    max_attachments: int = Field(
        20, ge=0, description="Most embedded attachments (BT-125) in one document (422 above)."
    )
    max_attachment_bytes: int = Field(
        5 * 1024 * 1024, gt=0, description="Largest embedded attachment, decoded, in bytes (413 above)."
    )
    max_attachments_total_bytes: int = Field(
        7 * 1024 * 1024, gt=0, description="Largest total of a document's embedded attachments, decoded, "
        "in bytes (413 above).",
    )

    validation_budget_seconds: float = Field(
        30.0, ge=0, description="Longest validation of one document, in seconds; validation runs in a child "
        "process of each server process, which is replaced when a document takes longer (422 "
        "/problems/validation-time-exceeded). 0 = validate inside the server process, without a budget.",
    )

    # --- ERP integration (change feed, webhooks) ---------------------------------------------
    webhook_dispatcher_in_serve: bool = Field(
        True, description="Run the webhook dispatcher inside every `einvoice serve` process "
        "(leases keep processes from sending one delivery twice); false = run `einvoice worker`.",
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="Timeout of one webhook HTTP attempt (connect + response), in seconds."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, description="Attempts per webhook delivery before it is parked as dead (replayable)."
    )
    webhook_backoff_base_seconds: float = Field(
        5.0, ge=0, description="Delay before the 2nd attempt; doubles per attempt, with jitter."
    )
    webhook_backoff_max_seconds: float = Field(
        3600.0, ge=0, description="Upper bound of the delay between two webhook attempts."
    )
    webhook_poll_interval_seconds: float = Field(
        1.0, gt=0, description="How often an idle webhook dispatcher looks for due deliveries."
    )
    webhook_concurrency: int = Field(
        4, ge=1, description="Deliveries one dispatcher sends in parallel (a slow endpoint holds one slot)."
    )
    webhook_allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Networks webhooks may be sent to although they are loopback, "
        'link-local or private, as a JSON list of CIDRs (e.g. ["10.20.0.0/16"] for an ERP on the internal '
        "network). Empty = only public addresses; checked on saving and on every connection.",
    )

    # --- operations -------------------------------------------------------------------------
    rate_limit_per_minute: int = Field(
        0, ge=0, le=1_000_000, description="Requests one API key may make per minute, counted in the database "
        "(so across every server process); above it 429 with Retry-After. 0 = no limit (each request "
        "then skips the counter's write).",
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token a Prometheus scraper sends to read `/metrics` (16+ characters); "
        "unset = only admin API keys may read it.", min_length=16,
    )

    # --- notifications (e-mail) ---------------------------------------------------------------
    smtp_host: str | None = Field(
        None, description="SMTP server that mails workspace notifications (hand-overs, reminders); "
        "unset = notifications only in the workspace.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: str = Field(
        "starttls", description="How the connection to the SMTP server is protected: `starttls` (upgrade "
        "after connecting, port 587), `tls` (TLS from the start, port 465) or `none` (a relay on a trusted "
        "network only).",
    )
    smtp_from: str | None = Field(
        None, description="Sender address of the mails, e.g. `E-facturen <efacturen@gemeente.nl>` (needed "
        "with EINVOICE_SMTP_HOST).",
    )
    smtp_user: str | None = Field(None, description="User name at the SMTP server (unset = no authentication).")
    smtp_password: SecretStr | None = Field(None, description="Password at the SMTP server (with EINVOICE_SMTP_USER).")
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=300, description="How long one SMTP conversation may take.")
    reminders_in_serve: bool = Field(
        True, description="Send the reminders of overdue delivery confirmations from every `einvoice serve` "
        "process (a claim in the database reminds each request once a day, however many processes run); "
        "false = run `einvoice reminders send` daily, e.g. from cron.",
    )
    reminders_interval_seconds: float = Field(
        900.0, gt=0, le=86400, description="How often a server process looks for overdue delivery "
        "confirmations to remind (with EINVOICE_REMINDERS_IN_SERVE).",
    )

    # --- staff sign-in (workspace) ------------------------------------------------------------
    local_passwords: bool = Field(
        True, description="Staff may sign in with a local password (argon2id). Set to false in "
        "production once OpenID Connect is configured: only the identity provider then signs staff in.",
    )
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer URL (its `/.well-known/openid-configuration` is read); "
        "unset = no single sign-on. The provider must allow `<EINVOICE_PUBLIC_BASE_URL>/ui/oidc/callback` "
        "as redirect URI and `<EINVOICE_PUBLIC_BASE_URL>/ui/login` after sign-out.",
    )
    oidc_client_id: str | None = Field(None, description="Client id of this service at the identity provider.")
    oidc_client_secret: SecretStr | None = Field(
        None, description="Client secret (confidential client; unset = public client, PKCE only).",
    )
    oidc_scopes: str = Field(
        "openid profile email", description="Scopes asked for (space-separated; must include openid).",
    )
    oidc_provider_name: str = Field(
        "single sign-on", description="Name of the identity provider on the sign-in button.",
    )
    oidc_username_claim: str = Field(
        "preferred_username", description="Claim that becomes the username of a new staff user "
        "(falls back to email, then to the subject).",
    )
    oidc_email_claim: str = Field(
        "email", description="Claim with the user's e-mail address, where their notifications are mailed; "
        "taken at every sign-in (unless the token says `email_verified: false`). Empty = addresses are "
        "kept in the workspace's user administration only.",
    )
    oidc_groups_claim: str = Field(
        "groups", description="Claim with the user's groups or roles (a list, or a space-separated string).",
    )
    oidc_group_roles: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, description="Group -> role (reviewer, admin) as JSON, e.g. "
        '{"fin-reviewers": "reviewer", "fin-admins": "admin"}. Empty = groups named `reviewer` or '
        "`admin` give that role. A user none of whose groups gives a role is refused.",
    )
    oidc_group_organisations: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, description="Group -> organisation id as JSON, e.g. "
        '{"fin-noord": "<id>", "fin-zuid": "<id>"}: the organisations a user signing in works for, set at '
        "every sign-in. Empty = every user works for the instance's only organisation; on an instance with "
        "several, a user none of whose groups names one is refused.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"unknown log level {value!r}; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database_url(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("public_base_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http:// or https:// URL such as https://einvoice.example.nl")
        return value.rstrip("/")

    @field_validator("accepted_scenarios", mode="before")
    @classmethod
    def _json_list(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        parsed = _json_or_none(value)
        if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
            raise ValueError('must be a JSON list of strings, such as ["peppol-bis-billing-3", "nlcius"]')
        return parsed

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _network_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = _json_or_none(value) if value.strip() else []
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError('must be a JSON list of networks, such as ["10.20.0.0/16"]')
        for item in value if isinstance(value, list) else ():
            try:
                ipaddress.ip_network(str(item).strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP network such as 10.20.0.0/16 or 127.0.0.1") from None
        return value

    @field_validator("oidc_group_roles", "oidc_group_organisations", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        parsed = _json_or_none(value) if value.strip() else {}
        if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
            raise ValueError('must be a JSON object of group -> value, such as {"fin-reviewers": "reviewer"}')
        return parsed

    @model_validator(mode="after")
    def _refuse_unsafe_defaults_in_production(self) -> Settings:
        if self.environment is Environment.production:
            problems = []
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                problems.append("EINVOICE_SECRET_KEY must be set to a random value of 32+ characters")
            if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
                problems.append("DATABASE_URL must not be an in-memory database")
            if not self.public_base_url.startswith("https://"):
                # the session cookie is marked Secure only for https; over http it would travel
                # in the clear, so production refuses to start rather than warn
                problems.append("EINVOICE_PUBLIC_BASE_URL must be an https:// URL (session cookies are Secure)")
            if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
                problems.append("EINVOICE_OIDC_ISSUER must be an https:// URL")
            if problems:
                raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _sign_in_is_possible(self) -> Settings:
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("EINVOICE_OIDC_ISSUER and EINVOICE_OIDC_CLIENT_ID go together: set both or neither")
        if not self.local_passwords and not self.oidc_issuer:
            raise ValueError("EINVOICE_LOCAL_PASSWORDS=false needs EINVOICE_OIDC_ISSUER: nobody could sign in")
        if self.oidc_issuer and "openid" not in self.oidc_scopes.split():
            raise ValueError("EINVOICE_OIDC_SCOPES must include openid")
        bad = {g: r for g, r in self.oidc_group_roles.items() if r not in ("reviewer", "admin")}
        if bad:
            raise ValueError(f"EINVOICE_OIDC_GROUP_ROLES: unknown role(s) {bad}; use reviewer or admin")
        not_ids = {g: o for g, o in self.oidc_group_organisations.items() if not _is_uuid(o)}
        if not_ids:
            raise ValueError(f"EINVOICE_OIDC_GROUP_ORGANISATIONS: not organisation ids {not_ids} "
                             "(see `einvoice organisations list`)")
        return self

    @model_validator(mode="after")
    def _mail_is_possible(self) -> Settings:
        problem = smtp_settings_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets ``field`` (EINVOICE_PORT, DATABASE_URL)."""
        alias = cls.model_fields[field].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return f"EINVOICE_{field.upper()}"


SMTP_SECURITY = ("starttls", "tls", "none")


def smtp_settings_problem(settings: Settings) -> str | None:
    """One line naming what is wrong with the SMTP settings, or None."""
    if not settings.smtp_host:
        return None
    if settings.smtp_security not in SMTP_SECURITY:
        return (f"EINVOICE_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                f"got {settings.smtp_security!r}")
    if not settings.smtp_from or not valid_mail_address(settings.smtp_from):
        return ("EINVOICE_SMTP_FROM must be the sender's e-mail address (such as "
                "'E-facturen <efacturen@gemeente.nl>') when EINVOICE_SMTP_HOST is set")
    if bool(settings.smtp_user) != bool(settings.smtp_password):
        return "EINVOICE_SMTP_USER and EINVOICE_SMTP_PASSWORD go together: set both or neither"
    if settings.smtp_user and settings.smtp_security == "none":
        return "EINVOICE_SMTP_SECURITY=none with a password would send it in the clear: use starttls or tls"
    return None


def valid_mail_address(text: str) -> bool:
    """An address such as ``anna@gemeente.nl`` or ``Anna <anna@gemeente.nl>`` (one, with a domain)."""
    from email.utils import getaddresses

    if not text or len(text) > 320 or any(c in text for c in "\r\n"):
        return False
    pairs = getaddresses([text])
    if len(pairs) != 1:
        return False
    local, _, domain = pairs[0][1].rpartition("@")
    return bool(local) and "." in domain and " " not in pairs[0][1]


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def database_url_problem(url: str) -> str | None:
    """What is wrong with a DATABASE_URL (never repeating it: it may hold a password), or None."""
    from sqlalchemy.engine import make_url

    scheme = url.split("://", 1)[0] if "://" in url else None
    if scheme is None:
        return f"not a database URL; expected {DATABASE_URL_FORMS}"
    if scheme not in DATABASE_SCHEMES:
        backend, _, driver = scheme.partition("+")
        if backend in ("sqlite", "postgresql", "postgres"):
            return (f"database driver {driver!r} is not installed; use {backend}:// "
                    f"({'psycopg 3' if backend.startswith('postgres') else 'the built-in driver'})")
        return f"unsupported database {scheme!r}; this service runs on SQLite or PostgreSQL ({DATABASE_URL_FORMS})"
    try:
        make_url("postgresql" + url[len(scheme):] if scheme == "postgres" else url)
    except Exception:  # noqa: BLE001 - SQLAlchemy raises several types for a malformed URL
        return f"malformed {DATABASE_SCHEMES[scheme]} URL; expected {DATABASE_URL_FORMS}"
    return None


@lru_cache
def get_settings() -> Settings:
    return Settings()


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
