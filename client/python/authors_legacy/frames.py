"""The frames of the legacy `/web` protocol as Python types.

Each TypedDict follows the JSON Schema of the same object in the server's AsyncAPI document
(`/asyncapi.json`) or, for the token set, its OpenAPI document (`/openapi.json`);
tests/test_legacy_client.py compares their keys with the live documents.
"""
# No `from __future__ import annotations` here: TypedDict must see NotRequired[...] evaluated.
from enum import IntEnum
from typing import Any, Literal, NotRequired, TypedDict, Union


class PkgID(IntEnum):
    """The packages a client may send: each runs one procedure of the server."""

    GET_AUTHORS = 1
    GET_PAGINATED_AUTHORS = 2
    CREATE_AUTHOR = 3
    UPDATE_AUTHOR = 4
    DELETE_AUTHOR = 5


class StatusCode(IntEnum):
    OK = 0
    #: not found, unknown pkg_id, rate limit exceeded, too many concurrent requests, internal error
    ERROR = 1
    #: schema validation (with `issues`), a conflict, a malformed frame
    INVALID_DATA = 2
    #: the user lacks a role the package needs
    PERMISSION_DENIED = 3


#: The req_id of frames the server sends on its own: author events and admin broadcasts.
BROADCAST_REQ_ID = "00000000-0000-0000-0000-000000000000"

ReqId = Union[str, int]


class Author(TypedDict):
    id: int
    name: str
    #: ISO-8601
    created_at: str
    updated_at: str


class PaginationMeta(TypedDict):
    page: int
    per_page: int
    #: 0 in keyset mode (with `cursor`), which counts nothing
    total: int
    pages: int
    next_cursor: str | None
    has_more: bool


class AuthorFilters(TypedDict, total=False):
    id: int
    #: case-insensitive substring; `search` and `search_term` are aliases
    name: str
    search: str
    search_term: str


class GetAuthorsData(AuthorFilters, total=False):
    """The filters, at top level or under `filters`."""

    filters: AuthorFilters


class GetPaginatedAuthorsData(TypedDict, total=False):
    page: int
    per_page: int
    #: present (even "") selects keyset pagination; pass back `meta["next_cursor"]`
    cursor: str
    filters: AuthorFilters


class CreateAuthorData(TypedDict):
    name: str


class UpdateAuthorData(TypedDict):
    id: int
    name: str


class DeleteAuthorData(TypedDict):
    id: int


class ErrorData(TypedDict):
    msg: str
    #: the server's error code: NOT_FOUND, BAD_REQUEST, CONFLICT, FORBIDDEN, TOO_MANY_REQUESTS…
    code: str
    #: what failed validation, for status 2 from schema validation
    issues: NotRequired[list[dict[str, Any]]]


class Response(TypedDict):
    """An answer to a request (or to a malformed frame, with pkg_id/req_id None when unreadable)."""

    pkg_id: int | None
    req_id: ReqId | None
    status_code: int
    meta: PaginationMeta | None
    data: Any
    msg: NotRequired[str]


class AuthorEvent(TypedDict):
    type: Literal["created", "updated", "deleted"]
    author: Author


# `from` is a Python keyword, hence the functional form.
BroadcastEvent = TypedDict("BroadcastEvent", {"type": Literal["broadcast"], "message": str, "from": str})

#: The `data` of a frame with req_id BROADCAST_REQ_ID.
Broadcast = Union[AuthorEvent, BroadcastEvent]


class TokenSet(TypedDict):
    """What `POST /login` answers."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: Literal["Bearer"]
