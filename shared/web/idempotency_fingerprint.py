"""What makes two requests with one Idempotency-Key the same request: the fingerprint
(shared/web/idempotency.py keeps it beside the key and compares a retry's with it)."""

from __future__ import annotations

import hashlib
import json

from shared.web.auth import Principal
from shared.web.guards import is_json_media_type

_SAME_BOUNDARY = b"campusflow-idempotency-boundary"


def fingerprint(
    *,
    method: str,
    path: str,
    query: bytes,
    content_type: bytes,
    body: bytes,
    standing: str = "",
) -> bytes:
    """What makes two requests the same request: sha256 over each part, length-prefixed.

    A multipart body's boundary is the client's random choice on every send: it is left
    out (replaced by one constant in the body and the content type), so a client that
    sends the same upload again sends the same request. `standing` is the caller's roles
    and college: a retry by a caller who lost a role is another request, never a replay
    of what the role allowed. A JSON body counts by its value, not its spelling (key
    order, spaces, escapes): a client that serialises it again sends the same request."""
    boundary = _boundary(content_type)
    if is_json_media_type(content_type):
        body = _canonical_json(body)
    elif boundary:  # the delimiter lines only (RFC 2046 5.1.1), never the parts' content
        body = body.replace(b"\r\n--" + boundary, b"\r\n--" + _SAME_BOUNDARY)
        if body.startswith(b"--" + boundary):
            body = b"--" + _SAME_BOUNDARY + body[len(boundary) + 2 :]
        content_type = content_type.replace(boundary, _SAME_BOUNDARY)
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, content_type, body, standing.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def _canonical_json(body: bytes) -> bytes:
    """The body's JSON value written one way (sorted keys, no spaces); a body that is not
    JSON stays as it came (the route refuses it; it can never equal a canonical form)."""
    try:
        value = json.loads(body)
        written = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, RecursionError):  # (nested too deep to read or to write again)
        return body
    # A lone surrogate (`\\ud800`) is a value json.loads gives and UTF-8 cannot hold.
    return written.encode("utf-8", "surrogatepass")


def _boundary(content_type: bytes) -> bytes | None:
    media, _, parameters = content_type.partition(b";")
    if media.strip().lower() != b"multipart/form-data":
        return None
    for parameter in parameters.split(b";"):
        name, _, value = parameter.strip().partition(b"=")
        if name.strip().lower() == b"boundary" and value.strip(b' "'):
            return value.strip(b' "')
    return None


def standing_of(principal: Principal) -> str:
    return f"{','.join(sorted(principal.roles))}@{principal.college or ''}"
