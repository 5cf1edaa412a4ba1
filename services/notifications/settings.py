from email.utils import parseaddr
from functools import cache, cached_property
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from services.notifications.domain.failover import FailoverPolicy
from services.notifications.domain.kinds import failover_by_kind
from shared.config import ServiceSettings, service_settings_config

# Only for the local stack and tests; production must set its own.
LOCAL_LINK_SECRET = "campusflow-local-notification-link-secret-not-for-production"
LOCAL_SMS_RECEIPT_TOKEN = "campusflow-local-sms-receipt-token-not-for-production"


class NotificationsSettings(ServiceSettings):
    model_config = service_settings_config("NOTIFICATIONS_")

    # --- the dispatcher (a background loop on every replica; rows claimed SKIP LOCKED) ---
    dispatch_batch_size: int = Field(default=200, ge=1, le=5000)
    dispatch_idle_sleep_s: float = Field(default=0.5, gt=0, le=30)
    # A claimed delivery whose worker vanished is taken over after this long.
    dispatch_claim_timeout_s: float = Field(default=60.0, gt=0)
    # Temporary failures are retried with exponential backoff and jitter up to this many
    # attempts, then the message fails over to the recipient's next channel.
    dispatch_max_attempts: int = Field(default=5, ge=1, le=50)

    # --- email over SMTP (aiosmtplib) ---
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=0, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    email_from: str = "Campusflow <noreply@campusflow.local>"

    # --- SMS through one provider's HTTP API (template id + variables) ---
    sms_provider_url: str = "http://127.0.0.1:8990"
    # "AccessKeyId:AccessKeySecret" (Alibaba Cloud SendSms); a value without ":" is used
    # as both, which is what the local double (tools/doubles/sms.py) expects by default.
    sms_access_key: SecretStr = SecretStr("local-sms-access-key")
    sms_sign_name: str = "Campusflow"
    sms_timeout_s: float = Field(default=10.0, gt=0)
    # The shared secret in the URL the provider pushes delivery receipts to
    # (POST /api/notifications/providers/sms/receipts?token=...). The local default is
    # refused in production: receipts are then answered 403 until one is set.
    sms_receipt_token: SecretStr = SecretStr(LOCAL_SMS_RECEIPT_TOKEN)

    # --- IM bots through Apprise (DingTalk, WeCom, Feishu) ---
    im_timeout_s: float = Field(default=10.0, gt=0)
    # Apprise scheme -> URL template of a local bot receiver (tests and the local stack
    # only; empty in production, where the vendors' own hosts are reached).
    im_endpoint_overrides: dict[str, str] = Field(default_factory=dict)

    # --- failover per kind: the operator's overrides of the kinds table's defaults ---
    # "kind=policy;kind=policy", a policy being person (the person's path), every (every
    # reachable channel), none (the first channel only) or a fixed order sms>email>inapp;
    # e.g. "shift_changed=sms>email>inapp;digest=none". Checked at start-up: an unknown
    # kind or channel stops the service naming it.
    failover_by_kind: str = ""

    @field_validator("failover_by_kind")
    @classmethod
    def _known_kinds_and_channels(cls, value: str) -> str:
        failover_by_kind(value)
        return value

    @cached_property
    def failover_overrides(self) -> dict[str, FailoverPolicy]:
        """`failover_by_kind` read (checked at start-up, so this never refuses)."""
        return failover_by_kind(self.failover_by_kind)

    # --- protection in Redis (losing Redis loses only these, never a message) ---
    rate_per_recipient_per_min: int = Field(default=30, ge=1)
    rate_per_channel_per_s: int = Field(default=200, ge=1)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_open_s: float = Field(default=60.0, gt=0)

    # --- outbound webhooks ---
    webhook_retry_window_s: float = Field(default=24 * 3600.0, ge=24 * 3600.0)
    # Full-jitter backoff: the n-th retry waits random(0, min(cap, base * 2**n)).
    webhook_backoff_base_s: float = Field(default=1.0, gt=0)
    webhook_backoff_cap_s: float = Field(default=3600.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)

    # --- links in messages (acknowledge an escalation): signed, and where they point ---
    link_secret: SecretStr = SecretStr(LOCAL_LINK_SECRET)
    public_base_url: str = "http://127.0.0.1:8004"

    # --- reminders: how long before the thing itself (comma-separated minutes) ---
    shift_reminder_leads_min: str = "1440,60"
    meeting_reminder_leads_min: str = "1440,60"
    lesson_reminder_leads_min: str = "60"
    deadline_reminder_leads_min: str = "2880,1440"
    task_reminder_leads_min: str = "1440"

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        if self.environment == "production" and (
            self.link_secret.get_secret_value() == LOCAL_LINK_SECRET
        ):
            raise ValueError("the local link secret may not be used in production")
        if self.environment == "production":
            _refuse_local_or_placeholder_addresses(self)


def _refuse_local_or_placeholder_addresses(settings: NotificationsSettings) -> None:
    """Production: where messages go may not be this machine, the local stack's sender or
    a name reserved for examples (the base ConfigMap's placeholders)."""
    sender = parseaddr(settings.email_from)[1]
    if "@" not in sender:
        raise ValueError(f"email_from {settings.email_from!r} holds no address")
    hosts = {
        "smtp_host": _host(settings.smtp_host),
        "sms_provider_url": _host(settings.sms_provider_url),
        "public_base_url": _host(settings.public_base_url),
        "email_from": _host(sender.rpartition("@")[2]),
    }
    for name, host in hosts.items():
        if host in _THIS_MACHINE:
            raise ValueError(f"{name} points at this machine; production needs its own")
        if any(host == d or host.endswith(f".{d}") for d in _PLACEHOLDERS):
            raise ValueError(
                f"{name} names {host!r}, a placeholder that never resolves (the base "
                "ConfigMap's): production needs the university's own"
            )


def _host(value: str) -> str:
    """The host of a host name or URL, lower case, without a final dot."""
    host = urlsplit(value).hostname if "://" in value else value
    return (host or "").strip().lower().rstrip(".")


_THIS_MACHINE = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})
# Names reserved for examples and tests (RFC 2606), and the local stack's sender domain.
# (Not all of ".local": a Kubernetes service's name ends in ".svc.cluster.local".)
_PLACEHOLDERS = frozenset(
    {"example", "example.com", "example.net", "example.org", "invalid", "test", "campusflow.local"}
)


# --- the settings in force: what the service process started with ----------------------
# The runtime hands its settings to the API and the background loops, not to consumers'
# and timers' use cases: those that read a setting (the planner's failover overrides)
# take the settings the process started with from here. None in a process that did not
# start the service (a test's, a tool's): there the kinds table's defaults apply unless
# settings are handed in.

_in_force: list[NotificationsSettings] = []


def settings_in_force() -> NotificationsSettings | None:
    return _in_force[-1] if _in_force else None


def settings_for_use_cases() -> NotificationsSettings:
    """The settings in force, else (a process that did not start the service) those of
    this process's environment, read once."""
    return settings_in_force() or _from_environment()


@cache
def _from_environment() -> NotificationsSettings:
    return NotificationsSettings()


def put_in_force(settings: NotificationsSettings | None) -> None:
    """Make `settings` the ones in force (None: none; tests restore what they changed)."""
    _in_force.clear()
    if settings is not None:
        _in_force.append(settings)


class StartedNotificationsSettings(NotificationsSettings):
    """The settings the runtime starts the service with (`python -m services.notifications`
    makes them once from the environment and refuses to start on a bad value); once
    checked they are the settings in force."""

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        put_in_force(self)
