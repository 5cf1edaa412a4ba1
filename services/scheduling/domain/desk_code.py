"""The duty desk's rotating sign-in code (签到二维码).

The office screen of a post shows a QR code whose text is

    CF1.<college>.<post, base64url>.<step>.<signature, base64url>

`step` is the rotation step (seconds since the epoch // rotation seconds): the code
changes every rotation period. The signature is HMAC-SHA256 under the service's secret
over the college, the post, the step and the rotation period, truncated to 128 bits
(RFC 2104 allows truncation to half the hash). A code verifies for one step either side
of the verifier's own (clock skew between the screen and the replica, and a code scanned
just as it rotated), so a code lives at most three rotation periods.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from services.scheduling.domain.rules import RuleBroken

CODE_VERSION = "CF1"
SIGNATURE_BYTES = 16
CODE_MAX_LENGTH = 600
# A code verifies for this many rotation steps either side of the verifier's own.
CODE_SKEW_STEPS = 1

_COLLEGE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_STEP = re.compile(r"^[0-9]{1,15}$")
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class CodeKey:
    """What signs and verifies the codes: the secret and the rotation period."""

    secret: bytes
    rotation_s: int

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the desk code secret must not be empty")
        if self.rotation_s < 1:
            raise ValueError("the rotation period must be at least one second")

    def step_at(self, at: datetime) -> int:
        return int(at.timestamp()) // self.rotation_s

    def step_starts(self, step: int) -> datetime:
        return datetime.fromtimestamp(step * self.rotation_s, UTC)


@dataclass(frozen=True)
class SignInCode:
    """A code of one post of one college for one rotation step."""

    college: str
    post: str
    step: int
    text: str
    # When the screen shows the next code (the end of this step).
    rotates_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: CodeKey, college: str, post: str, step: int) -> bytes:
    message = "\n".join((CODE_VERSION, college, post, str(step), str(key.rotation_s)))
    digest = hmac.new(key.secret, message.encode("utf-8"), hashlib.sha256).digest()
    return digest[:SIGNATURE_BYTES]


def issue_code(key: CodeKey, *, college: str, post: str, now: datetime) -> SignInCode:
    """The code the screen of `post` shows at `now`."""
    step = key.step_at(now)
    post_text = _b64(post.encode("utf-8"))
    signature = _b64(_signature(key, college, post, step))
    return SignInCode(
        college=college,
        post=post,
        step=step,
        text=f"{CODE_VERSION}.{college}.{post_text}.{step}.{signature}",
        rotates_at=key.step_starts(step + 1),
    )


def code_broken(rule: str, message: str) -> RuleBroken:
    return RuleBroken(rule, field="code", message=message, invalid=True)


def _parse(text: str) -> tuple[str, str, int, bytes]:
    malformed = code_broken(
        "code_malformed", "the code is not a duty desk sign-in code; scan the desk's QR code"
    )
    if len(text) > CODE_MAX_LENGTH:
        raise malformed
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != CODE_VERSION:
        raise malformed
    _, college, post_text, step_text, signature_text = parts
    if not _COLLEGE.match(college) or not _STEP.match(step_text):
        raise malformed
    try:
        post = _unb64(post_text).decode("utf-8")
        signature = _unb64(signature_text)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise malformed from error
    if not post or len(signature) != SIGNATURE_BYTES:
        raise malformed
    return college, post, int(step_text), signature


def verify_code(key: CodeKey, text: str, *, college: str, now: datetime) -> SignInCode:
    """The code, if it is well formed, signed with `key`, of `college` and current.

    Refusals name the field `code`: malformed, forged (the signature does not verify),
    of another college, expired, not yet valid.
    """
    code_college, post, step, signature = _parse(text)
    if not hmac.compare_digest(signature, _signature(key, code_college, post, step)):
        raise code_broken(
            "code_forged", "the code's signature does not verify: it was not issued by this desk"
        )
    if code_college != college:
        raise code_broken(
            "code_other_college", f"the code is of college {code_college}, not {college}"
        )
    current = key.step_at(now)
    if step < current - CODE_SKEW_STEPS:
        raise code_broken(
            "code_expired",
            f"the code expired at {key.step_starts(step + 1 + CODE_SKEW_STEPS).isoformat()};"
            " scan the code the desk shows now",
        )
    if step > current + CODE_SKEW_STEPS:
        raise code_broken("code_not_yet_valid", "the code is not valid yet")
    return SignInCode(
        college=code_college,
        post=post,
        step=step,
        text=text,
        rotates_at=key.step_starts(step + 1),
    )
