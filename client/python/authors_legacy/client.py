"""A client of the legacy `/web` WebSocket protocol, on `websockets` (Debian: python3-websockets).

    async with LegacyClient("http://localhost:8000", token, on_broadcast=print) as client:
        ada = await client.create_author("Ada Lovelace")

Requests on one connection run concurrently and are matched to their answers by `req_id`. Author
events and admin broadcasts go to `on_broadcast`. After an unexpected close the client reconnects
with exponential back-off (250 ms doubling up to `max_backoff`), asking `get_token` for a fresh
token each time; new requests wait for the new connection. A request waiting for an answer when the
connection closes is sent again (same req_id) on the new one if the close was 1012 (the server,
restarting, answered every request it ran before closing, so this one never ran), and fails with
LegacyConnectionError after any other close (1006 crash, 4001…): it may or may not have run.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .frames import (
    BROADCAST_REQ_ID,
    Author,
    AuthorFilters,
    Broadcast,
    ErrorData,
    GetPaginatedAuthorsData,
    PaginationMeta,
    PkgID,
    Response,
    StatusCode,
)

log = logging.getLogger(__name__)

#: Close code of a refused token: retrying with the same token cannot succeed.
INVALID_TOKEN = 4001
#: What a connection that dropped without a close frame reports (RFC 6455).
ABNORMAL_CLOSURE = 1006
#: The server restarting closes with this only after answering every request it ran on the socket.
SERVER_RESTART = 1012

TokenSource = Callable[[], "str | Awaitable[str]"]


@dataclass(frozen=True)
class Result:
    """A successful answer: `data`, and `meta` (pagination metadata for GET_PAGINATED_AUTHORS, else None)."""

    data: Any
    meta: PaginationMeta | None


class LegacyRequestError(Exception):
    """An answer with a non-zero status_code (see StatusCode); `code` is the server's error code."""

    def __init__(self, status_code: int, data: ErrorData) -> None:
        super().__init__(f"{data['msg']} (status {status_code}, {data['code']})")
        self.status_code = status_code
        self.data = data

    @property
    def code(self) -> str:
        return self.data["code"]


class LegacyConnectionError(Exception):
    """The connection closed: 4001 bad token, 4002 no auth in time, 1008 too many connections, 1009 frame too big…"""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"connection closed ({code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class LegacyClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        get_token: TokenSource | None = None,
        auth: Literal["query", "frame"] = "query",
        on_broadcast: Callable[[Broadcast], None] | None = None,
        reconnect: bool = True,
        timeout: float = 30.0,
        max_backoff: float = 5.0,
    ) -> None:
        """`base_url` is the server's http(s):// or ws(s):// URL. `token` or `get_token` (called before
        each connect, may be async) gives the access token; `auth` sends it as `?token=` or in a
        first auth frame. `timeout` bounds connecting and each request."""
        self._url = re.sub(r"^http", "ws", base_url.rstrip("/")) + "/web"
        self._get_token = get_token
        self._token = token
        self._auth = auth
        self._on_broadcast = on_broadcast
        self._reconnect = reconnect
        self._timeout = timeout
        self._max_backoff = max_backoff
        self._socket: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._pending: dict[str, asyncio.Future[Response]] = {}
        self._closed = False
        #: Why reconnecting stopped (a refused token), raised by later requests.
        self._gave_up: LegacyConnectionError | None = None

    async def __aenter__(self) -> LegacyClient:
        await self.connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Opens the connection and waits for `auth_ok`; raises LegacyConnectionError when refused."""
        token = await self._current_token()
        url = f"{self._url}?token={quote(token)}" if self._auth == "query" else self._url
        socket = await websockets.connect(url, open_timeout=self._timeout, max_size=16 * 2**20)
        try:
            if self._auth == "frame":
                await socket.send(json.dumps({"type": "auth", "token": f"Bearer {token}"}))
            first = json.loads(await asyncio.wait_for(socket.recv(), self._timeout))
        except ConnectionClosed:
            raise _closed_error(socket) from None
        if first.get("type") != "auth_ok":
            await socket.close()
            raise LegacyConnectionError(1002, f"expected auth_ok, got {first!r}")
        self._socket = socket
        self._connected.set()
        self._reader = asyncio.create_task(self._read(socket))

    async def close(self) -> None:
        """Closes for good: no reconnect; waiting requests fail."""
        self._closed = True
        self._connected.set()  # wakes requests waiting for a connection, which then see `_closed`
        if self._socket is not None:
            await self._socket.close()
        elif self._reader is not None:
            self._reader.cancel()  # between connections: stop waiting to reconnect
        if self._reader is not None and self._reader is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def request(self, pkg_id: int, data: Mapping[str, Any] | None = None) -> Result:
        """Sends `{pkg_id, req_id, data}` and waits for the answer with that req_id.

        Raises LegacyRequestError for a non-zero status_code, LegacyConnectionError when the
        connection drops first (other than with 1012: see the module's docstring), TimeoutError after
        `timeout` seconds."""
        req_id = str(uuid.uuid4())
        frame = json.dumps({"pkg_id": int(pkg_id), "req_id": req_id, "data": dict(data or {})})
        while True:
            socket = await self._open_socket()
            answer: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
            self._pending[req_id] = answer
            try:
                await socket.send(frame)
                response = await asyncio.wait_for(answer, self._timeout)
                break
            except (ConnectionClosed, LegacyConnectionError) as error:
                closed = error if isinstance(error, LegacyConnectionError) else _closed_error(socket)
                if closed.code != SERVER_RESTART or self._closed or not self._reconnect:
                    raise closed from None
            finally:
                self._pending.pop(req_id, None)
        if response["status_code"] != StatusCode.OK:
            raise LegacyRequestError(response["status_code"], response["data"])
        return Result(response["data"], response["meta"])

    async def get_authors(self, filters: AuthorFilters | None = None) -> list[Author]:
        """GET_AUTHORS: every author matching `filters` (id, name substring), by id."""
        return (await self.request(PkgID.GET_AUTHORS, {"filters": filters or {}})).data

    async def get_paginated_authors(self, data: GetPaginatedAuthorsData | None = None) -> tuple[list[Author], PaginationMeta]:
        """GET_PAGINATED_AUTHORS: one page (`page`/`per_page`, or keyset with `cursor`) and its metadata."""
        result = await self.request(PkgID.GET_PAGINATED_AUTHORS, data)
        assert result.meta is not None, "a page always comes with its metadata"
        return result.data, result.meta

    async def create_author(self, name: str) -> Author:
        return (await self.request(PkgID.CREATE_AUTHOR, {"name": name})).data

    async def update_author(self, author_id: int, name: str) -> Author:
        return (await self.request(PkgID.UPDATE_AUTHOR, {"id": author_id, "name": name})).data

    async def delete_author(self, author_id: int) -> Author:
        """Returns the deleted author."""
        return (await self.request(PkgID.DELETE_AUTHOR, {"id": author_id})).data

    async def _current_token(self) -> str:
        token = self._get_token() if self._get_token else self._token
        if inspect.isawaitable(token):
            token = await token
        if not token:
            raise ValueError("no access token: pass `token` or `get_token`")
        return token

    async def _open_socket(self) -> Any:
        if self._socket is None and self._reader is None and not self._closed:
            await self.connect()
        await asyncio.wait_for(self._connected.wait(), self._timeout)
        if self._closed:
            raise LegacyConnectionError(1000, "client closed")
        if self._gave_up is not None:
            raise self._gave_up
        return self._socket

    async def _read(self, socket: Any) -> None:
        try:
            async for text in socket:
                self._dispatch(json.loads(text))
        except ConnectionClosed:
            pass
        error = _closed_error(socket)
        self._connected.clear()
        self._socket = None
        for answer in self._pending.values():
            if not answer.done():
                answer.set_exception(error)
        if self._closed or not self._reconnect:
            self._gave_up = error
            self._connected.set()
            return
        log.warning("legacy connection lost (%s); reconnecting", error)
        await self._reconnect_with_backoff()

    def _dispatch(self, frame: dict[str, Any]) -> None:
        if frame.get("req_id") == BROADCAST_REQ_ID and "status_code" not in frame:
            if self._on_broadcast is not None:
                try:
                    self._on_broadcast(frame["data"])
                except Exception:
                    log.exception("on_broadcast raised")
            return
        answer = self._pending.get(str(frame.get("req_id")))
        if answer is not None and not answer.done():
            answer.set_result(frame)  # type: ignore[arg-type]

    async def _reconnect_with_backoff(self) -> None:
        attempt = 0
        while not self._closed:
            await asyncio.sleep(min(0.25 * 2**attempt, self._max_backoff))
            attempt += 1
            try:
                await self.connect()
                log.info("legacy connection re-established")
                return
            except LegacyConnectionError as error:
                if error.code == INVALID_TOKEN and self._get_token is None:
                    self._gave_up = error  # the same token would be refused again
                    self._connected.set()
                    return
                log.warning("reconnect failed: %s", error)
            except (OSError, InvalidHandshake, asyncio.TimeoutError) as error:
                log.warning("reconnect failed: %s", error)


def _closed_error(socket: Any) -> LegacyConnectionError:
    return LegacyConnectionError(socket.close_code or ABNORMAL_CLOSURE, socket.close_reason or "")
