"""The duty desk's rotating sign-in code (签到二维码): signed, short-lived, bound to a
college, a post and a rotation step; verified with one step of skew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.domain.desk_code import (
    CODE_SKEW_STEPS,
    CodeKey,
    issue_code,
    verify_code,
)
from shared.rules import RuleBroken

pytestmark = pytest.mark.unit
KEY = CodeKey(secret=b"desk-secret-for-tests", rotation_s=60)
# On a step boundary: 2026-03-02 08:00:00 UTC is a whole number of minutes since the epoch.
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def refused(text: str, *, at: datetime = NOW, college: str = "cs", key: CodeKey = KEY) -> str:
    with pytest.raises(RuleBroken) as refusal:
        verify_code(key, text, college=college, now=at)
    assert refusal.value.field == "code"
    assert refusal.value.invalid
    return refusal.value.rule


def test_an_issued_code_verifies_and_names_its_post_and_step() -> None:
    code = issue_code(KEY, college="cs", post="office-day", now=NOW + timedelta(seconds=17))
    assert code.text.startswith("CF1.cs.")
    assert code.step == int(NOW.timestamp()) // 60
    assert code.rotates_at == NOW + timedelta(minutes=1)
    verified = verify_code(KEY, code.text, college="cs", now=NOW + timedelta(seconds=30))
    assert (verified.college, verified.post, verified.step) == ("cs", "office-day", code.step)


def test_posts_in_any_script_round_trip() -> None:
    code = issue_code(KEY, college="cs", post="学生会办公室·日班 08:00", now=NOW)
    assert verify_code(KEY, code.text, college="cs", now=NOW).post == "学生会办公室·日班 08:00"


def test_the_code_rotates_every_period_and_not_within_it() -> None:
    first = issue_code(KEY, college="cs", post="day", now=NOW)
    same = issue_code(KEY, college="cs", post="day", now=NOW + timedelta(seconds=59))
    rotated = issue_code(KEY, college="cs", post="day", now=NOW + timedelta(seconds=60))
    assert first.text == same.text
    assert rotated.text != first.text
    assert rotated.step == first.step + 1


def test_a_code_lives_one_step_either_side_of_the_verifiers_clock() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW)
    assert CODE_SKEW_STEPS == 1
    # Scanned just after it rotated off the screen: still good.
    verify_code(KEY, code.text, college="cs", now=NOW + timedelta(seconds=119))
    # A replica whose clock is a step behind the screen's: still good.
    verify_code(KEY, code.text, college="cs", now=NOW - timedelta(seconds=60))


def test_an_expired_code_is_refused() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW)
    assert refused(code.text, at=NOW + timedelta(seconds=120)) == "code_expired"
    assert refused(code.text, at=NOW + timedelta(hours=5)) == "code_expired"


def test_a_code_from_the_future_is_refused() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW + timedelta(minutes=5))
    assert refused(code.text) == "code_not_yet_valid"


def test_a_forged_signature_is_refused() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW)
    head, signature = code.text.rsplit(".", 1)
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert refused(f"{head}.{flipped}") == "code_forged"


def test_a_code_signed_with_another_secret_is_forged() -> None:
    other = CodeKey(secret=b"someone-elses-secret", rotation_s=60)
    assert refused(issue_code(other, college="cs", post="day", now=NOW).text) == "code_forged"


def test_changing_the_post_or_step_of_a_signed_code_is_forged() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW)
    version, college, _, step, signature = code.text.split(".")
    evening = issue_code(KEY, college="cs", post="evening", now=NOW).text.split(".")[2]
    assert refused(f"{version}.{college}.{evening}.{step}.{signature}") == "code_forged"
    day = code.text.split(".")[2]
    assert refused(f"{version}.{college}.{day}.{int(step) + 1}.{signature}") == "code_forged"


def test_a_code_of_another_college_is_refused_by_name() -> None:
    code = issue_code(KEY, college="math", post="day", now=NOW)
    assert refused(code.text, college="cs") == "code_other_college"


def test_a_code_is_bound_to_the_rotation_period() -> None:
    code = issue_code(KEY, college="cs", post="day", now=NOW)
    faster = CodeKey(secret=KEY.secret, rotation_s=5)
    assert refused(code.text, key=faster) == "code_forged"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "CF1.cs.ZGF5.123",
        "CF2.cs.ZGF5.123.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.CS.ZGF5.123.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.ZGF5.-5.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.ZGF5.12x.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.Z+F5.123.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.ZGF5.123.AAAA",
        "CF1.cs..123.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.__8.123.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.ZGF5.1234567890123456.AAAAAAAAAAAAAAAAAAAAAA",
        "CF1.cs.ZGF5.123.AAAAAAAAAAAAAAAAAAAAAA.extra",
        "CF1." + "a" * 700,
    ],
)
def test_malformed_codes_are_refused_before_anything_else(text: str) -> None:
    assert refused(text) == "code_malformed"


def test_a_key_needs_a_secret_and_a_period() -> None:
    with pytest.raises(ValueError):
        CodeKey(secret=b"", rotation_s=60)
    with pytest.raises(ValueError):
        CodeKey(secret=b"x", rotation_s=0)
