"""Signed outbound webhooks: the signature, the retry schedule, the give-up rule and which
URLs may receive them. Pure: no I/O (the URL check is handed the host's addresses).

Signature (the receiver's side is `verify`, short enough to copy):

    Campusflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

`body` is the exact request body (UTF-8 JSON). A receiver recomputes the HMAC over the
timestamp it was given and the raw body, compares in constant time, and refuses a
timestamp further than its tolerance (default 300 s) from its own clock, so a captured
request cannot be replayed later. During a secret rotation nothing is signed twice: the
new secret applies from the next attempt.

Retries: the n-th retry waits a random time in [0, min(cap, base * 2**n)) ("full
jitter"), and a delivery is retried until `retry_window_s` (at least 24 h) has passed
since its first attempt; the last try happens at the window's end, then it is failed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from shared.rules import RuleBroken

SIGNATURE_HEADER = "Campusflow-Signature"
EVENT_ID_HEADER = "Campusflow-Event-Id"
EVENT_TYPE_HEADER = "Campusflow-Event-Type"
DELIVERY_ID_HEADER = "Campusflow-Delivery-Id"
SEQUENCE_HEADER = "Campusflow-Sequence"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 3600.0
SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2000


# --- signing ---------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh endpoint secret (shown once): 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: str) -> str:
    """Hex HMAC-SHA256 of f"{timestamp}.{body}" under `secret`."""
    signed = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: str) -> str:
    """The value of the Campusflow-Signature header."""
    return f"t={timestamp},{SIGNATURE_VERSION}={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: str | bytes,
    *,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """A receiver's check (copy it): the header signs this raw body with `secret`, and
    its timestamp is within `tolerance_s` of `now` (unix seconds)."""
    if isinstance(body, bytes):
        try:
            body = body.decode()
        except UnicodeDecodeError:
            return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    given = parts.get(SIGNATURE_VERSION, "")
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


def payload_text(body: Mapping[str, object], *, sequence: int, delivery_id: str) -> str:
    """The exact request body: the stored event body plus its sequence and delivery id
    (so both are signed), as compact JSON with sorted keys."""
    full = {**body, "sequence": sequence, "delivery_id": delivery_id}
    return json.dumps(full, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# --- retries ---------------------------------------------------------------------------


def backoff_delay_s(
    attempt: int,
    *,
    rand: Callable[[], float],
    base_s: float = BACKOFF_BASE_S,
    cap_s: float = BACKOFF_CAP_S,
) -> float:
    """Full jitter: a random delay in [0, min(cap, base * 2**attempt)); `rand()` in [0, 1)."""
    if attempt < 0:
        raise ValueError("attempt counts from 0")
    ceiling = min(cap_s, base_s * 2 ** min(attempt, 62))
    return ceiling * rand()


@dataclass(frozen=True)
class AfterFailure:
    """What a failed attempt leads to: retry at `retry_at`, or give up (`retry_at` None)."""

    retry_at: datetime | None

    @property
    def gives_up(self) -> bool:
        return self.retry_at is None


def after_failure(
    *,
    attempts: int,
    first_attempt_at: datetime,
    now: datetime,
    retry_window_s: float,
    rand: Callable[[], float],
    base_s: float = BACKOFF_BASE_S,
    cap_s: float = BACKOFF_CAP_S,
) -> AfterFailure:
    """The give-up rule: retried until `retry_window_s` has passed since the first attempt
    (the last retry falls at the window's end); `attempts` is how many were made."""
    window_ends = first_attempt_at + timedelta(seconds=retry_window_s)
    if now >= window_ends:
        return AfterFailure(None)
    delay = backoff_delay_s(attempts, rand=rand, base_s=base_s, cap_s=cap_s)
    return AfterFailure(min(now + timedelta(seconds=delay), window_ends))


def succeeded(status_code: int) -> bool:
    return 200 <= status_code < 300


# --- where webhooks may go ---------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refused_in_production(address: IPAddress) -> str | None:
    """Why an address may not receive webhooks in production (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _refused_in_production(address.ipv4_mapped)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if address.is_private or address.is_reserved or address.is_multicast:
        return "private"
    if not address.is_global:
        return "not public"
    return None


def _refused_locally(address: IPAddress) -> str | None:
    """Outside production, loopback is allowed (tests run local receivers)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _refused_locally(address.ipv4_mapped)
    if address.is_loopback:
        return None
    return _refused_in_production(address)


def url_host(url: str) -> str:
    """The host of an http(s) URL, refusing anything else (422 naming `url`)."""
    if len(url) > MAX_URL_LENGTH:
        raise _bad_url("url_too_long", f"a webhook URL is at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as error:
        raise _bad_url("url_malformed", f"not a URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise _bad_url("url_scheme", "a webhook URL must be http or https")
    if not parts.hostname:
        raise _bad_url("url_host", "a webhook URL names a host")
    if parts.username or parts.password:
        raise _bad_url("url_credentials", "a webhook URL carries no user name or password")
    return parts.hostname


def literal_address(host: str) -> IPAddress | None:
    """The host as an IP address when it is one (IPv6 without brackets)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def check_addresses(host: str, addresses: Iterable[str], *, production: bool) -> None:
    """Refuse (422 naming `url`) a host none of whose addresses may receive webhooks: in
    production every address must be public; elsewhere loopback is allowed too."""
    found = [a for a in (literal_address(text) for text in addresses) if a is not None]
    if not found:
        raise _bad_url("url_unresolvable", f"the host {host} has no address")
    refuse = _refused_in_production if production else _refused_locally
    for address in found:
        why = refuse(address)
        if why is not None:
            raise _bad_url(
                "url_private_address",
                f"the host {host} resolves to a {why} address ({address}); "
                "webhooks go only to public addresses",
            )


def _bad_url(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="url", message=message, invalid=True)


def check_event_types(event_types: Iterable[str], known: Iterable[str]) -> tuple[str, ...]:
    """The subscribed event types, each one the platform publishes (empty = all)."""
    known_set = set(known)
    chosen = tuple(dict.fromkeys(event_types))
    unknown = [t for t in chosen if t not in known_set]
    if unknown:
        raise RuleBroken(
            "unknown_event_type",
            field="event_types",
            message=f"no such event type: {', '.join(unknown)}",
            invalid=True,
        )
    return chosen
