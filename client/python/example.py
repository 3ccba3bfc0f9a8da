#!/usr/bin/env python3
"""Uses every package of the legacy `/web` protocol once, printing what it did.

    python3 client/python/example.py --base http://localhost:8000 --username writer --password writer

Logs in over REST, connects (token in the URL), then creates, lists, pages through, renames and
deletes an author, asks for it once more (an expected "not found"), and prints the broadcasts its
own changes caused. Exits 0, or 1 on any answer it did not expect.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from authors_legacy import Broadcast, LegacyClient, LegacyRequestError, PkgID, StatusCode, login  # noqa: E402


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


async def run(base: str, username: str, password: str) -> None:
    tokens = login(base, username, password)
    print(f"logged in as {username} over REST (token expires in {tokens['expires_in']} s)")

    events: list[Broadcast] = []
    async with LegacyClient(base, tokens["access_token"], on_broadcast=events.append) as client:
        print("connected to /web")
        name = f"Example Author {time.time_ns()}"

        author = await client.create_author(name)
        expect(author["name"] == name, f"created {author}")
        print(f"pkg_id {PkgID.CREATE_AUTHOR:d} CREATE_AUTHOR: #{author['id']} {author['name']!r}")

        found = await client.get_authors({"name": name})
        expect([a["id"] for a in found] == [author["id"]], f"search found {found}")
        print(f"pkg_id {PkgID.GET_AUTHORS:d} GET_AUTHORS name={name!r}: {len(found)} author")

        page, meta = await client.get_paginated_authors({"page": 1, "per_page": 2, "filters": {"name": name}})
        expect([a["id"] for a in page] == [author["id"]] and meta["total"] == 1, f"page {page} {meta}")
        print(f"pkg_id {PkgID.GET_PAGINATED_AUTHORS:d} GET_PAGINATED_AUTHORS: page {meta['page']} of {meta['pages']}, total {meta['total']}")

        renamed = await client.update_author(author["id"], f"{name} (renamed)")
        expect(renamed["name"] == f"{name} (renamed)", f"renamed {renamed}")
        print(f"pkg_id {PkgID.UPDATE_AUTHOR:d} UPDATE_AUTHOR: #{renamed['id']} {renamed['name']!r}")

        deleted = await client.delete_author(author["id"])
        expect(deleted["id"] == author["id"], f"deleted {deleted}")
        print(f"pkg_id {PkgID.DELETE_AUTHOR:d} DELETE_AUTHOR: #{deleted['id']}")

        try:
            await client.delete_author(author["id"])
            raise AssertionError("deleting twice succeeded")
        except LegacyRequestError as error:
            expect(error.status_code == StatusCode.ERROR and error.code == "NOT_FOUND", f"second delete: {error}")
            print(f"pkg_id {PkgID.DELETE_AUTHOR:d} DELETE_AUTHOR again: status {error.status_code} {error.code} ({error})")

        # Our three changes come back as broadcasts (from the server's event stream).
        for _ in range(50):
            mine = [e for e in events if e["type"] != "broadcast" and e["author"]["id"] == author["id"]]
            if len(mine) == 3:
                break
            await asyncio.sleep(0.1)
        expect([e["type"] for e in mine] == ["created", "updated", "deleted"], f"broadcasts {events}")
        print("broadcasts received: " + ", ".join(f"{e['type']} #{e['author']['id']}" for e in mine))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://localhost:8000", help="the server's URL")
    parser.add_argument("--username", default="writer")
    parser.add_argument("--password", default="writer")
    args = parser.parse_args()
    try:
        asyncio.run(run(args.base, args.username, args.password))
    except Exception as error:  # anything unexpected: say what, exit 1
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
