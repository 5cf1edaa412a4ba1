"""Settings every service shares; each service subclasses with its own env prefix.

Fails fast: a missing or malformed setting stops the process at start-up with the
name of the variable, never a silent default for something that matters.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES: tuple[str, ...] = ("recruitment", "scheduling", "evaluation", "notifications")

# A secret that is good enough for a laptop and never for production: `campusflow token`
# refuses to sign with anything else, and production refuses to start with this one.
LOCAL_JWT_SECRET = "campusflow-local-development-secret-not-for-production"
# The same for children's contact cards in the recruitment register: a Fernet key
# (base64 of "campusflow-local-beneficiary-key") and a blind-index key, both refused
# by recruitment in production.
LOCAL_BENEFICIARY_KEY = "Y2FtcHVzZmxvdy1sb2NhbC1iZW5lZmljaWFyeS1rZXk="
LOCAL_BENEFICIARY_INDEX_KEY = "campusflow-local-beneficiary-index-key-not-for-production"


class ServiceSettings(BaseSettings):
    """Connection settings and knobs common to every service.

    A service declares `model_config = service_settings_config("RECRUITMENT_")`.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    # No default: a deployment that forgot to say where it runs must not start as "local"
    # (and so accept tokens signed with the committed local secret).
    environment: Literal["local", "test", "production"]
    database_url: str = Field(min_length=1)
    kafka_bootstrap: str = Field(min_length=1)
    redis_url: str = Field(min_length=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    # Whose tokens these are: required in production, so a token the university's
    # identity provider signed for another application is refused.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    consumer_group_prefix: str = "campusflow"
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    # The relay is woken by NOTIFY at each outbox commit; this poll is only the safety net.
    relay_idle_sleep_s: float = Field(default=0.5, gt=0, le=10)
    consumer_max_records: int = Field(default=500, ge=1, le=10_000)
    # /healthz fails (so an orchestrator restarts the pod) once a background loop has
    # been crashing or failing every round for this long.
    loop_failing_limit_s: float = Field(default=300.0, gt=0)
    # The largest request body any route takes (413 beyond it, before it is read); a
    # service that takes file uploads raises it in its own settings.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    def model_post_init(self, __context: object) -> None:
        if self.jwt_algorithm == "HS256" and self.jwt_secret is None:
            raise ValueError("jwt_secret is required with HS256")
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("jwt_public_key is required with RS256")
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else None
        if self.environment == "production":
            if secret == LOCAL_JWT_SECRET:
                raise ValueError("the local development JWT secret may not be used in production")
            if not self.jwt_issuer or not self.jwt_audience:
                raise ValueError("jwt_issuer and jwt_audience are required in production")


def service_settings_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", frozen=True)


def service_environment(
    service: str,
    *,
    database_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    http_port: int,
    jwt_secret: str = LOCAL_JWT_SECRET,
    environment: str = "local",
) -> dict[str, str]:
    """The environment variables that configure one service process."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
    prefix = service.upper() + "_"
    environment_variables = {
        prefix + "ENVIRONMENT": environment,
        prefix + "DATABASE_URL": database_url,
        prefix + "KAFKA_BOOTSTRAP": kafka_bootstrap,
        prefix + "REDIS_URL": redis_url,
        prefix + "HTTP_HOST": "127.0.0.1",
        prefix + "HTTP_PORT": str(http_port),
        prefix + "JWT_SECRET": jwt_secret,
    }
    if service == "recruitment":
        environment_variables[prefix + "BENEFICIARY_KEYS"] = LOCAL_BENEFICIARY_KEY
        environment_variables[prefix + "BENEFICIARY_INDEX_KEY"] = LOCAL_BENEFICIARY_INDEX_KEY
    return environment_variables
