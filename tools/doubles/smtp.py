"""A local SMTP sink (aiosmtpd): every message it accepts is stored as an .eml file.

    python -m tools.doubles.smtp --port 1025 --dir /tmp/cf-mail      # serve
    python -m tools.doubles.smtp --dir /tmp/cf-mail --list           # list what arrived

Files are named <received, UTC>-<n>.eml and written atomically (temp file, then rename),
so a reader never sees half a message. Tests may make it refuse chosen recipients
(e.g. {"gone@x.cn": "550 5.1.1 mailbox unavailable"}) or every message's data.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class StoredMessage:
    path: Path
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")


class SinkHandler:
    def __init__(
        self,
        directory: Path,
        *,
        refuse_recipients: Mapping[str, str] | None = None,
        data_reply: str | None = None,
    ) -> None:
        self.directory = directory
        self.refuse_recipients = dict(refuse_recipients or {})
        self.data_reply = data_reply  # e.g. "451 4.3.0 try later": refuse every DATA
        self._numbers = itertools.count(1)
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = self.refuse_recipients.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{next(self._numbers):06d}.eml"
        temporary = self.directory / f".{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, self.directory / name)
        return "250 Message accepted for delivery"


def stored_messages(directory: Path) -> list[StoredMessage]:
    """The messages in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return [
        StoredMessage(
            path,
            cast(EmailMessage, message_from_bytes(path.read_bytes(), policy=policy.default)),
        )
        for path in sorted(directory.glob("*.eml"))
    ]


class SmtpSink:
    """An aiosmtpd server in the running event loop; `port=0` picks a free port."""

    def __init__(
        self,
        directory: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        refuse_recipients: Mapping[str, str] | None = None,
        data_reply: str | None = None,
    ) -> None:
        self.handler = SinkHandler(
            directory, refuse_recipients=refuse_recipients, data_reply=data_reply
        )
        self.host = host
        self.port = port
        self.connections = 0  # how many SMTP sessions were opened (for tests)
        self._sessions: list[SMTP] = []
        self._server: asyncio.base_events.Server | None = None

    def _session(self) -> SMTP:
        handler: Any = self.handler
        session = SMTP(handler, hostname="campusflow-sink", enable_SMTPUTF8=True)
        self.connections += 1
        self._sessions.append(session)
        return session

    async def start(self) -> SmtpSink:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._session, host=self.host, port=self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for session in self._sessions:  # drop the open sessions too
                if session.transport is not None:
                    session.transport.close()
            self._sessions.clear()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> SmtpSink:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def messages(self) -> list[StoredMessage]:
        return stored_messages(self.handler.directory)


async def _serve(directory: Path, host: str, port: int) -> None:
    sink = await SmtpSink(directory, host=host, port=port).start()
    print(f"SMTP sink on {host}:{sink.port}, storing into {directory}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sink.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local SMTP sink storing .eml files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--list", action="store_true", help="list stored messages and exit")
    args = parser.parse_args(argv)
    if args.list:
        for stored in stored_messages(args.dir):
            m = stored.message
            print(f"{stored.path.name}\t{m['Date']}\t{m['To']}\t{stored.subject}")
        return
    try:
        asyncio.run(_serve(args.dir, args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
