"""The Python legacy client against a running server (AUTHORS_URL, default http://localhost:8000)
with the development users (admin, writer, reader; password = name):

    AUTHORS_URL=http://localhost:8000 python3 -m unittest discover -s client/python/tests -v

Both ways to authenticate, refused tokens, a malformed frame, error answers, concurrent requests
matched by req_id, broadcasts, reconnecting after the server closed the connection, and the types
checked against the server's own AsyncAPI and OpenAPI documents.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import unittest
import urllib.request
from pathlib import Path
from typing import Any

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from authors_legacy import (  # noqa: E402
    Author,
    AuthorEvent,
    Broadcast,
    BroadcastEvent,
    CreateAuthorData,
    DeleteAuthorData,
    ErrorData,
    GetAuthorsData,
    GetPaginatedAuthorsData,
    LegacyClient,
    LegacyConnectionError,
    LegacyRequestError,
    PaginationMeta,
    PkgID,
    Response,
    StatusCode,
    TokenSet,
    UpdateAuthorData,
    login,
)

BASE = os.environ.get("AUTHORS_URL", "http://localhost:8000")


_tokens: dict[str, str] = {}


def token(username: str) -> str:
    """An access token of a development user, logged in once (before the tests' event loops run)."""
    if username not in _tokens:
        _tokens[username] = login(BASE, username, username)["access_token"]
    return _tokens[username]


def setUpModule() -> None:
    for username in ("admin", "writer", "reader"):
        token(username)


def fetch_json(path: str) -> Any:
    with urllib.request.urlopen(f"{BASE}{path}", timeout=10) as response:
        return json.load(response)


def unique(name: str) -> str:
    return f"{name} {time.time_ns()}"


class LiveServerTestCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        # These tests run asyncio in debug mode, which reports every step slower than 0.1 s: on a
        # loaded machine that is noise, not a stuck loop.
        asyncio.get_running_loop().slow_callback_duration = 5.0


class Authentication(LiveServerTestCase):
    async def test_token_in_the_query(self) -> None:
        async with LegacyClient(BASE, token("reader"), auth="query") as client:
            self.assertIsInstance(await client.get_authors(), list)

    async def test_auth_frame(self) -> None:
        async with LegacyClient(BASE, token("reader"), auth="frame") as client:
            self.assertIsInstance(await client.get_authors(), list)

    async def test_a_bad_token_is_refused_with_4001_both_ways(self) -> None:
        for auth in ("query", "frame"):
            with self.subTest(auth=auth):
                client = LegacyClient(BASE, "not.a.token", auth=auth)  # type: ignore[arg-type]
                with self.assertRaises(LegacyConnectionError) as refused:
                    await client.connect()
                self.assertEqual(refused.exception.code, 4001)


class Requests(LiveServerTestCase):
    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.client = LegacyClient(BASE, token("writer"))
        await self.client.connect()

    async def asyncTearDown(self) -> None:
        await self.client.close()

    async def test_a_malformed_frame_gets_status_2_and_the_connection_stays_open(self) -> None:
        url = BASE.replace("http", "ws", 1) + "/web?token=" + token("reader")
        async with websockets.connect(url) as socket:
            self.assertEqual(json.loads(await socket.recv()), {"type": "auth_ok"})
            await socket.send("not json")
            answer = json.loads(await socket.recv())
            self.assertEqual(
                answer,
                {"pkg_id": None, "req_id": None, "status_code": 2, "meta": None, "data": {"msg": "Invalid JSON", "code": "BAD_REQUEST"}, "msg": "Invalid JSON"},
            )
            await socket.send(json.dumps({"pkg_id": PkgID.GET_AUTHORS, "req_id": "after"}))
            after = json.loads(await socket.recv())
            self.assertEqual((after["req_id"], after["status_code"]), ("after", StatusCode.OK))

    async def test_error_answers(self) -> None:
        with self.assertRaises(LegacyRequestError) as invalid:
            await self.client.create_author("   ")
        self.assertEqual((invalid.exception.status_code, invalid.exception.code), (StatusCode.INVALID_DATA, "BAD_REQUEST"))
        self.assertEqual(invalid.exception.data["issues"][0]["path"], ["name"])
        with self.assertRaises(LegacyRequestError) as unknown:
            await self.client.request(99)
        self.assertEqual((unknown.exception.status_code, str(unknown.exception.data["msg"])), (StatusCode.ERROR, "No handler found for pkg_id 99"))
        async with LegacyClient(BASE, token("reader")) as reader:
            with self.assertRaises(LegacyRequestError) as denied:
                await reader.create_author(unique("Not allowed"))
        self.assertEqual((denied.exception.status_code, denied.exception.code), (StatusCode.PERMISSION_DENIED, "FORBIDDEN"))

    async def test_concurrent_requests_are_matched_by_req_id(self) -> None:
        names = [unique(f"Concurrent {n}") for n in range(10)]
        created = await asyncio.gather(*(self.client.create_author(name) for name in names))
        self.assertEqual([author["name"] for author in created], names)
        page, meta = await self.client.get_paginated_authors({"per_page": 3, "cursor": "", "filters": {"name": "Concurrent"}})
        self.assertEqual((len(page), meta["has_more"], meta["total"]), (3, True, 0))

    async def test_reconnects_after_the_server_closes_the_connection(self) -> None:
        with self.assertLogs("authors_legacy.client", "INFO") as logs:
            with self.assertRaises(LegacyConnectionError) as closed:
                await self.client.create_author("x" * (2 * 2**20))  # over WS_MAX_PAYLOAD
            self.assertEqual(closed.exception.code, 1009)
            author = await self.client.create_author(unique("After reconnect"))
        self.assertEqual((await self.client.get_authors({"id": author["id"]}))[0]["name"], author["name"])
        self.assertEqual(
            [record.getMessage() for record in logs.records],
            ["legacy connection lost (connection closed (1009)); reconnecting", "legacy connection re-established"],
        )


class Broadcasts(LiveServerTestCase):
    async def test_author_events_and_admin_broadcasts_reach_the_callback(self) -> None:
        received: asyncio.Queue[Broadcast] = asyncio.Queue()
        async with LegacyClient(BASE, token("reader"), on_broadcast=received.put_nowait), LegacyClient(BASE, token("writer")) as writer:
            author = await writer.create_author(unique("Broadcast"))
            message = unique("Maintenance at noon")
            request = urllib.request.Request(
                f"{BASE}/broadcast",
                data=json.dumps({"message": message}).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token('admin')}"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                self.assertEqual(response.status, 202)
            events = [await asyncio.wait_for(received.get(), 10), await asyncio.wait_for(received.get(), 10)]
        self.assertIn({"type": "created", "author": author}, events)
        self.assertIn({"type": "broadcast", "message": message, "from": "admin"}, events)


class TypesFollowTheDocuments(unittest.TestCase):
    def assert_keys(self, typed: Any, schema: dict[str, Any]) -> None:
        with self.subTest(typed.__name__):
            self.assertEqual(typed.__required_keys__ | typed.__optional_keys__, set(schema["properties"]))
            self.assertEqual(typed.__required_keys__, set(schema.get("required", [])))

    def test_against_asyncapi_and_openapi(self) -> None:
        messages = fetch_json("/asyncapi.json")["channels"]["legacy"]["messages"]

        def payload(key: str) -> dict[str, Any]:
            return messages[key]["payload"]

        def data(key: str) -> dict[str, Any]:
            return payload(key)["properties"]["data"]

        self.assert_keys(Author, data("CREATE_AUTHOR.response"))
        self.assert_keys(PaginationMeta, payload("GET_PAGINATED_AUTHORS.response")["properties"]["meta"])
        self.assert_keys(GetAuthorsData, data("GET_AUTHORS.request"))
        self.assert_keys(GetPaginatedAuthorsData, data("GET_PAGINATED_AUTHORS.request"))
        self.assert_keys(CreateAuthorData, data("CREATE_AUTHOR.request"))
        self.assert_keys(UpdateAuthorData, data("UPDATE_AUTHOR.request"))
        self.assert_keys(DeleteAuthorData, data("DELETE_AUTHOR.request"))
        self.assert_keys(ErrorData, data("error"))
        self.assert_keys(AuthorEvent, data("authorEvent"))
        self.assert_keys(BroadcastEvent, data("systemBroadcast"))
        # One Response type for both answers: success has no `msg`, errors always do.
        self.assertEqual(Response.__required_keys__ | Response.__optional_keys__, set(payload("error")["properties"]))
        self.assertEqual(Response.__required_keys__, set(payload("GET_AUTHORS.response")["required"]))
        self.assertEqual(set(PkgID), {payload(f"{pkg.name}.request")["properties"]["pkg_id"]["const"] for pkg in PkgID})

        login_answer = fetch_json("/openapi.json")["paths"]["/login"]["post"]["responses"]["200"]
        self.assert_keys(TokenSet, login_answer["content"]["application/json"]["schema"])


if __name__ == "__main__":
    unittest.main()
