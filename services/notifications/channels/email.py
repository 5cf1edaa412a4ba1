"""Email over SMTP (aiosmtplib): one MIME message per delivery.

The message carries a Message-ID derived from the delivery's idempotency key, so every
attempt of one delivery has the same Message-ID and a relay or mail client that dedupes
by Message-ID shows one copy. An SMTP server itself does not dedupe, so
`honours_idempotency_key` is False: a crash between the server's 250 and the dispatcher's
record can make a second copy (same Message-ID) on the next attempt; so can a kept
connection the server drops after taking the message but before answering (the sender
then sends once more on a fresh connection).

Classification of answers (RFC 5321 reply classes):
- connection refused / reset, timeouts, 4yz replies -> temporary (retry later);
- 5yz replies (550 mailbox unavailable, 553 bad mailbox name, 554...) -> permanent;
- an address that is not a plain `local@domain` -> permanent, without connecting.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache

import aiosmtplib

from services.notifications.channels import Outgoing, SendOutcome, SendResult
from services.notifications.settings import NotificationsSettings

# The header naming the Campusflow message (a receiver can trace it back).
MESSAGE_HEADER = "X-Campusflow-Message-Id"
DELIVERY_HEADER = "X-Campusflow-Delivery-Id"
KIND_HEADER = "X-Campusflow-Kind"

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_email_address(address: str) -> bool:
    """A plain ASCII `local@domain.tld` (what every relay accepts without SMTPUTF8)."""
    return len(address) <= 254 and bool(_ADDRESS.match(address)) and ".." not in address


@lru_cache(maxsize=16)
def _sender(email_from: str) -> tuple[str, str]:
    """(display name, address) of the configured sender, parsed once (not per email)."""
    return parseaddr(email_from)


def message_id_for(idempotency_key: str, email_from: str) -> str:
    """The same Message-ID for every attempt of one delivery."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = _sender(email_from)[1].rpartition("@")[2] or "campusflow.local"
    return f"<{digest}@{domain}>"


def _encoded_words(text: str) -> str:
    """RFC 2047 "B" encoded words in UTF-8, each at most 64 characters (39 bytes of
    text, never splitting a character), folded onto continuation lines. Done by hand:
    the email package's choice of B or Q follows a process-wide charset registry that
    other libraries change (Apprise's email plugin switches UTF-8 to Q on import)."""
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > 39:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    if chunk or not words:
        words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _header_text(text: str) -> str:
    """A header value: one line (no CR/LF can inject a header); plain when short ASCII,
    else RFC 2047 UTF-8 encoded words."""
    line = " ".join(text.split())
    if line.isascii() and len(line) <= 60 and "=?" not in line:
        return line
    return _encoded_words(line)


_ATOMS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]{1,60}$")


def _display_name(name: str) -> str:
    """A sender's display name: plain atoms as they are, anything else encoded words."""
    name = " ".join(name.split())
    return name if _ATOMS.match(name) else _encoded_words(name)


def _from_header(name: str, sender: str) -> str:
    if not name.strip():
        return f"From: <{sender}>"
    head = f"From: {_display_name(name)}"
    last_line = head.rpartition("\r\n")[2]
    fold = "\r\n " if len(last_line) + len(sender) + 3 > 78 else " "
    return f"{head}{fold}<{sender}>"


def _base64_part(content_type: str, text: str) -> str:
    encoded = base64.encodebytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + encoded.decode("ascii").replace("\n", "\r\n")
    )


def _html_of(outgoing: Outgoing) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>"
        for part in outgoing.body.split("\n\n")
        if part.strip()
    )
    return (
        f'<!doctype html><html lang="{html.escape(outgoing.locale)}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(outgoing.title)}</title></head>'
        f"<body>{paragraphs}</body></html>\n"
    )


def build_message(outgoing: Outgoing, *, email_from: str, now: datetime) -> bytes:
    """The MIME message as sent (CRLF lines, ASCII only): the subject and a non-ASCII
    sender name as RFC 2047 UTF-8 encoded words; multipart/alternative of text/plain
    UTF-8 (the body) and text/html, each base64. Written by hand rather than with
    EmailMessage, which costs ~15x more CPU per message."""
    name, sender = _sender(email_from)
    boundary = f"=_cf_{uuid.uuid4().hex[:24]}"
    headers = [
        _from_header(name, sender),
        f"To: <{outgoing.address}>",
        f"Subject: {_header_text(outgoing.title)}",
        f"Date: {format_datetime(now.astimezone(UTC))}",
        f"Message-ID: {message_id_for(outgoing.idempotency_key, email_from)}",
        f"{MESSAGE_HEADER}: {outgoing.message_id}",
        f"{DELIVERY_HEADER}: {outgoing.delivery_id}",
        f"{KIND_HEADER}: {_header_text(outgoing.kind)}",
        f"Content-Language: {_header_text(outgoing.locale)}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    parts = [
        _base64_part("text/plain", outgoing.body + "\n"),
        _base64_part("text/html", _html_of(outgoing)),
    ]
    text = "\r\n".join(headers) + "\r\n\r\n"
    for part in parts:
        text += f"--{boundary}\r\n{part}"
    text += f"--{boundary}--\r\n"
    return text.encode("ascii")


def classify_smtp_error(error: BaseException) -> SendResult:
    """What an aiosmtplib error means for the dispatcher."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return SendResult(
            SendOutcome.PERMANENT_FAILURE if permanent else SendOutcome.TEMPORARY_FAILURE,
            detail=f"recipient refused: {detail}",
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        outcome = (
            SendOutcome.PERMANENT_FAILURE if error.code >= 500 else SendOutcome.TEMPORARY_FAILURE
        )
        return SendResult(outcome, detail=f"smtp {error.code} {error.message}")
    # Timeouts, refused or dropped connections, anything else on the wire: retry later.
    return SendResult(SendOutcome.TEMPORARY_FAILURE, detail=f"{type(error).__name__}: {error}")


class EmailSender:
    """Sends over a few kept-open SMTP connections (per event loop): connecting and
    EHLO cost about as much as the message itself. A kept connection the server has
    dropped in the meantime is replaced once, at once; any other error closes the
    connection and is classified."""

    channel = "email"
    honours_idempotency_key = False
    max_idle_connections = 16  # as many as the dispatcher sends at once (SEND_CONCURRENCY)

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        domain = parseaddr(settings.email_from)[1].rpartition("@")[2]
        # Our EHLO name: without one aiosmtplib asks the resolver (getfqdn) every time.
        self._local_hostname = domain or "campusflow.local"

    def _new_client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_s,
            local_hostname=self._local_hostname,
        )

    def _kept_client(self) -> aiosmtplib.SMTP | None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections belong to the loop that made them
            self._idle, self._loop = [], loop
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        return None

    def _keep(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self.max_idle_connections:
            self._idle.append(client)
        else:
            client.close()

    async def send(self, outgoing: Outgoing) -> SendResult:
        if not valid_email_address(outgoing.address):
            return SendResult(
                SendOutcome.PERMANENT_FAILURE,
                detail=f"not an email address: {outgoing.address!r}",
            )
        email_from = self._settings.email_from
        message = build_message(outgoing, email_from=email_from, now=datetime.now(UTC))
        envelope_from = _sender(email_from)[1]
        message_id = message_id_for(outgoing.idempotency_key, email_from)
        client = self._kept_client()
        if client is not None:
            try:
                await client.sendmail(envelope_from, [outgoing.address], message)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                client.close()  # dropped while idle: go on with a fresh connection
            except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
                client.close()
                return classify_smtp_error(error)
            else:
                self._keep(client)
                return SendResult(SendOutcome.SENT, provider_message_id=message_id)
        client = self._new_client()
        try:
            await client.connect()
            await client.sendmail(envelope_from, [outgoing.address], message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            client.close()
            return classify_smtp_error(error)
        self._keep(client)
        return SendResult(SendOutcome.SENT, provider_message_id=message_id)

    async def aclose(self) -> None:
        """Quit the kept connections (at shutdown; optional)."""
        idle, self._idle = self._idle, []
        for client in idle:
            try:
                await client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                client.close()
