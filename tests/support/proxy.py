"""A TCP proxy in front of PostgreSQL that a test can cut and restore (a real outage),
close to new connections only (`refuse_new`: the open ones go on working), or slow down
(`delay_s` before each chunk it passes on: a slow network)."""

from __future__ import annotations

import asyncio
import contextlib

from tools.stack import free_port


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.delay_s = 0.0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Stop listening and drop every open connection: new connects are refused."""
        server = self._stop_listening()
        for writer in list(self._links):
            writer.close()
        self._links.clear()
        if server is not None:  # (from Python 3.12 this waits for the links closed above)
            await server.wait_closed()

    async def refuse_new(self) -> None:
        """Stop listening, keeping every open connection: a new connect is refused."""
        self._stop_listening()

    def _stop_listening(self) -> asyncio.Server | None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        return server

    async def restore(self) -> None:
        await self.start()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._links.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()


def proxy_in_front_of(dsn: str) -> tuple[CuttableProxy, str]:
    """A proxy (not started yet) to the database of `dsn`, and the DSN through it."""
    host_port = dsn.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    proxy = CuttableProxy(host, int(port))
    return proxy, dsn.replace(host_port, f"127.0.0.1:{proxy.port}")
