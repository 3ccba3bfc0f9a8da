"""Logging in over REST (`POST /login`), with the standard library only."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from .frames import TokenSet


class LoginError(Exception):
    """The server refused the credentials (401), or answered something else than a token set."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"login failed ({status}): {detail}")
        self.status = status
        self.detail = detail


def login(base_url: str, username: str, password: str, timeout: float = 10.0) -> TokenSet:
    """Returns the token set; `["access_token"]` is what `LegacyClient` needs."""
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            tokens: TokenSet = json.load(response)
            return tokens
    except urllib.error.HTTPError as error:
        try:
            detail = json.load(error).get("detail", "")
        except ValueError:
            detail = error.reason
        raise LoginError(error.code, str(detail)) from None
