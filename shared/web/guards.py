"""Refuses, for every route of every service, characters no field can ever hold.

- The request target: a path or query with a control character (`%00`, `%0A`, ...)
  is answered 400 before routing. Path ids and query values are single-line text;
  a NUL would otherwise reach PostgreSQL, which cannot store it
  (CharacterNotInRepertoireError, a 500), and a newline or escape code could forge
  lines in a log.
- A JSON body with NUL (`\\u0000`) or a lone surrogate (`\\ud800`, which UTF-8 cannot
  encode) in any string or key is answered 422 naming the field. PostgreSQL's text and
  jsonb can hold neither, whatever the route or its model. Finer rules (no other control
  characters, newlines only where a text may have them) belong to the field types in
  `shared.web.fields`.

Runs inside `BodySizeLimit`, so the body it looks at is whole and bounded.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from email.message import Message as MimeMessage
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.fields import forbidden_character
from shared.web.problems import Problem, send_problem

# Bytes without which a JSON body cannot decode to a NUL or a lone surrogate: an escape
# (\u...), a raw surrogate's UTF-8 lead byte (json.loads decodes with surrogatepass),
# or NUL bytes (a UTF-16 or UTF-32 body, which json.loads detects and decodes too).
_SUSPECT_BYTES = (b"\\u", b"\xed", b"\x00")


def _unstorable_character(value: str) -> tuple[int, str] | None:
    for position, character in enumerate(value):
        if character == "\x00" or unicodedata.category(character) == "Cs":
            return position, character
    return None


def _error(field: str, found: tuple[int, str], what: str, where: str = "") -> dict[str, str]:
    position, character = found
    return {
        "field": field,
        "rule": "control_character",
        "message": f"{what} U+{ord(character):04X} at position {position}{where} is not allowed",
    }


def request_target_errors(scope: Scope) -> list[dict[str, str]]:
    """Per-field errors for control characters in the (decoded) path and query."""
    errors: list[dict[str, str]] = []
    found = forbidden_character(scope.get("path", ""))
    if found is not None:
        errors.append(_error("path", found, "control character"))
    query = scope.get("query_string", b"").decode("latin-1")
    # Decoded exactly as Starlette decodes it for the routes (UTF-8, invalid bytes
    # replaced), so what is checked here is what a route would get.
    for name, value in parse_qsl(query, keep_blank_values=True):
        for part, text in (("name", name), ("value", value)):
            found = forbidden_character(text)
            if found is not None:
                label = _printable(name)
                errors.append(
                    _error(f"query.{label}", found, "control character", f" of the {part}")
                )
    return errors


def _printable(name: str) -> str:
    return "".join(c if unicodedata.category(c) != "Cc" else "?" for c in name)[:64]


def _walk(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(location, string) of every key and string value in a decoded JSON document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, "(key)"), key
            yield from _walk(item, (*path, _printable(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, str(index)))


def json_body_errors(body: bytes) -> list[dict[str, str]]:
    """Per-field errors for NUL or lone surrogates in the strings of a JSON body; none if
    the body is not JSON (the route's own parsing answers that)."""
    if not any(suspect in body for suspect in _SUSPECT_BYTES):
        return []
    try:
        document = json.loads(body)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError: the route answers 422
        return []
    errors = []
    for location, text in _walk(document, ()):
        found = _unstorable_character(text)
        if found is not None:
            what = "NUL character" if found[1] == "\x00" else "lone surrogate"
            errors.append(_error(".".join(location) or "body", found, what))
    return errors


def _is_json(scope: Scope) -> bool:
    content_type = dict(scope.get("headers", ())).get(b"content-type")
    if content_type is None:
        return True  # FastAPI may still read it as JSON
    return is_json_media_type(content_type)


def is_json_media_type(content_type: bytes) -> bool:
    """`application/json` or `application/…+json` (parameters aside): what the routes
    read as JSON."""
    message = MimeMessage()
    message["content-type"] = content_type.decode("latin-1")
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class InputGuard:
    """400 for a control character in the path or query; 422 for a NUL or lone surrogate
    in a JSON body. Everything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = request_target_errors(scope)
        if errors:
            detail = "the path and query may not hold control characters"
            await send_problem(scope, send, Problem(400, "Bad Request", detail, errors=errors))
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        message = await receive()
        whole = message["type"] == "http.request" and not message.get("more_body", False)
        # Behind BodySizeLimit (as create_app puts it) a body always comes whole.
        errors = json_body_errors(message.get("body", b"")) if whole else []
        if errors:
            fields = ", ".join(sorted({error["field"] for error in errors}))
            problem = Problem(
                422, "Unprocessable Content", f"invalid input: {fields}", errors=errors
            )
            await send_problem(scope, send, problem)
            return
        pending: list[Message] = [message]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)
