"""Whatever a title or body holds, the email's headers decode back to it (on one line)
and its text part to the body; every line stays ASCII and within 78 columns."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.channels import Outgoing
from services.notifications.channels.email import build_message

pytestmark = pytest.mark.unit

# Printable text in any script, with the whitespace a rendered template may carry.
_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
_PIECES = st.text(_CHARS | st.sampled_from("\n \t值班😀=?"), max_size=40)
# ... including what looks like an encoded word already.
TEXT = st.lists(_PIECES | st.just("=?utf-8?b?5YC8?="), max_size=5).map("".join)


def _outgoing(title: str, body: str, name: str) -> Outgoing:
    return Outgoing(
        message_id=UUID(int=1),
        delivery_id=UUID(int=2),
        attempt=1,
        channel="email",
        college="c",
        recipient_id="u",
        address="li.lei@campus.edu.cn",
        locale="zh-CN",
        kind="shift_assigned",
        title=title,
        body=body,
        fields={},
        idempotency_key="k",
    )


@settings(max_examples=100, deadline=None)
@given(title=TEXT, body=TEXT, name=TEXT.filter(lambda n: '"' not in n and "\\" not in n))
def test_any_text_round_trips(title: str, body: str, name: str) -> None:
    email_from = f'"{name}" <noreply@cf.edu.cn>' if name.strip() else "noreply@cf.edu.cn"
    raw = build_message(
        _outgoing(title, body, name), email_from=email_from, now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    lines = raw.split(b"\r\n")
    assert [line for line in lines if len(line) > 78] == []
    assert raw.isascii()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == " ".join(title.split())
    assert parsed["To"].addresses[0].addr_spec == "li.lei@campus.edu.cn"
    plain = parsed.get_body(("plain",))
    assert plain is not None
    normalised = body.replace("\r\n", "\n").replace("\r", "\n")
    assert plain.get_content().replace("\r\n", "\n") == normalised + "\n"
