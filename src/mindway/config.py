"""Settings from ``MINDWAY_*`` environment variables, with safe single-machine defaults.

Nothing secret has a default: keys come from the environment in production mode and are
generated into the data directory (0600) otherwise; see :mod:`mindway.security.keys`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("mindway", appauthor=False))


class Settings(BaseSettings):
    """Everything an operator can set. Read once per process through :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix="MINDWAY_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    production: bool = False
    debug: bool = False

    # Keys. Production refuses to start without them; elsewhere they are generated.
    master_keys: SecretStr | None = Field(
        default=None,
        description="Key-encryption keys as 'kid:base64,kid:base64'; the first one is active.",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Base64 key for the audit HMAC chain and pseudonyms."
    )

    # Web Push (RFC 8292 VAPID): the server's ECDSA P-256 key as PEM, and a contact for push
    # services. Production refuses to start without the key or with the placeholder subject.
    vapid_private_key: SecretStr | None = Field(
        default=None, description="VAPID private key (PKCS#8 PEM, P-256) for web push."
    )
    vapid_subject: str = Field(
        default="mailto:admin@localhost",
        description="VAPID contact (RFC 8292 'sub'): a mailto: or https: URL of the operator.",
    )

    # Sessions (HIPAA 164.312(a)(2)(iii) automatic logoff; OWASP ASVS 7.3).
    session_idle_minutes: int = Field(default=15, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)

    # Argon2id parameters: OWASP Password Storage Cheat Sheet minimum (m=19 MiB, t=2, p=1).
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=1024)
    argon2_parallelism: int = Field(default=1, ge=1)

    # Login throttling (OWASP ASVS 6.3 / 2.2): per account and per address.
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_address: int = Field(default=20, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)

    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is "
        "believed (login throttling counts the client address); empty: none.",
    )
    # Several app processes (docs/deployment.md): Redis carries rate-limit counters and live
    # events between them. Unset: one process, counters and events in memory.
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis URL shared by all app processes (redis://host:6379/0, rediss:// "
        "for TLS); unset: one process, in-memory rate limits and events.",
    )
    # API request limits (GCRA, mindway.services.rate_limit): 429 with Retry-After beyond.
    rate_limit_period_seconds: int = Field(default=60, ge=1, le=3600)
    rate_limit_per_account: int = Field(
        default=300, ge=1, description="API requests per period for one signed-in account."
    )
    rate_limit_per_address: int = Field(
        default=600, ge=1, description="API requests per period from one client address."
    )
    rate_limit_chat_per_account: int = Field(
        default=30, ge=1, description="Chat messages per period for one account."
    )
    break_glass_minutes: int = Field(default=60, ge=5, le=24 * 60)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    default_locale: str = "en-US"
    # A patient who checks in or has a questionnaire schedule and shows no activity for this
    # many days raises a routine "disengagement" alert for the care team.
    disengagement_days: int = Field(default=7, ge=1, le=90)
    # Optional generative backend of the chat companion (an OpenAI-compatible server such as
    # a local Ollama or vLLM): off unless a URL is set. Its replies pass the risk screener
    # and a content policy before anyone sees them (mindway.chat.generative).
    chat_llm_url: str | None = None
    chat_llm_model: str = "llama3.1"
    chat_llm_api_key: SecretStr | None = None
    chat_llm_timeout_s: float = Field(default=8.0, gt=0, le=60)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL; the embedded default is a SQLite file in the data directory."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.data_dir / 'mindway.sqlite3'}"

    @property
    def mfa_required_roles(self) -> frozenset[str]:
        """Roles that must use TOTP: clinicians and admins in production; nobody in the demo."""
        return frozenset({"clinician", "admin"}) if self.production else frozenset()

    @property
    def secure_cookies(self) -> bool:
        """Production is served over TLS: cookies get Secure and the ``__Host-`` prefix."""
        return self.production


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
