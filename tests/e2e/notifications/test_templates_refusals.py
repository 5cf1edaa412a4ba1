"""A template that does not parse, uses a field its kind does not declare, escapes the
sandbox or fails to render is refused at save time with a 422 naming the problem, and
nothing is kept; only the college's admins (or a university admin) manage its templates."""

from __future__ import annotations

import pytest

from tests.e2e.notifications.templates_support import (
    SHIFT_OVERRIDE,
    Templates,
    anonymous_listing,
    new_college,
    refusal,
    versions_kept,
)

pytestmark = pytest.mark.e2e


def body(text: str, title: str = "提醒") -> dict[str, str]:
    blocks = f"{{% block title %}}{title}{{% endblock %}}{{% block body %}}{text}{{% endblock %}}"
    return {"source": blocks}


async def test_a_bad_template_is_refused_naming_the_problem_and_nothing_is_kept(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    college = new_college()
    admin = Templates(services["notifications"], college)
    assert admin.save("shift_reminder", "zh-CN", {"source": SHIFT_OVERRIDE}).status_code == 200

    undeclared = admin.save("shift_reminder", "zh-CN", body("{{ post }} {{ agenda }}"))
    status, field, rule, message = refusal(undeclared)
    assert (status, field, rule) == (422, "source", "undeclared_field")
    assert "'agenda'" in message and "shift_reminder" in message

    cases = {
        "template_syntax": body("{{ post "),
        "template_unsafe": body("{{ ''.__class__ }}"),
        "template_render": body("{{ post.no_such_attribute }}"),
        "template_blocks": {"source": "{% block body %}{{ post }}{% endblock %}"},
        "template_forbidden_tag": body("{% include 'shift_reminder.j2' %}"),
    }
    for expected, form in cases.items():
        assert refusal(admin.save("shift_reminder", "zh-CN", form))[:3] == (
            422,
            "source",
            expected,
        ), expected
    # rank + 1 renders with the sample rank and fails with rank absent (None).
    absent = admin.save("applicant_waitlisted", "en", body("{{ rank + 1 }}"))
    assert refusal(absent)[:3] == (422, "source", "template_render")

    empty = admin.save("shift_reminder", "zh-CN", {"source": ""})
    assert empty.status_code == 422 and "source" in empty.text
    extra = admin.save("shift_reminder", "zh-CN", {**body("{{ post }}"), "version": 9})
    assert extra.status_code == 422
    unknown_locale = admin.save("shift_reminder", "fr", body("{{ post }}"))
    assert unknown_locale.status_code == 422 and "locale" in unknown_locale.text
    assert admin.save("no_such_kind", "zh-CN", body("x")).status_code == 404
    assert admin.versions("no_such_kind", "zh-CN").status_code == 404

    assert await versions_kept(service_dsns["notifications"], college) == 1
    assert admin.effective("shift_reminder", "zh-CN")["version"] == 1
    assert admin.effective("applicant_waitlisted", "en")["builtin"] is True


async def test_only_the_colleges_admins_manage_its_templates(
    services: dict[str, str], service_dsns: dict[str, str]
) -> None:
    base = services["notifications"]
    college = new_college()
    other_admin = Templates(base, college, of=new_college())
    student = Templates(base, college, role="student")
    teacher = Templates(base, college, role="teacher")
    officer = Templates(base, college, role="officer")
    for caller in (other_admin, student, teacher, officer):
        assert caller.kinds().status_code == 403
        assert caller.save("shift_reminder", "zh-CN", {"source": SHIFT_OVERRIDE}).status_code == 403
        assert caller.revert("shift_reminder", "zh-CN").status_code == 403
        assert caller.versions("shift_reminder", "zh-CN").status_code == 403
        assert caller.preview("shift_reminder", {}).status_code == 403
    assert anonymous_listing(base, college).status_code == 401
    assert await versions_kept(service_dsns["notifications"], college) == 0

    university = Templates(base, college, role="university_admin", of=new_college())
    saved = university.save("shift_reminder", "en", {"source": SHIFT_OVERRIDE})
    assert saved.status_code == 200, saved.text
    assert saved.json()["saved_by"] == university.user_id
    assert await versions_kept(service_dsns["notifications"], college) == 1
