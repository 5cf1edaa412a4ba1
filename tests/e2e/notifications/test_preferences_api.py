"""A person's own preferences through the running notifications service: defaults, choices,
contact points, quiet hours, digest window, locale and time zone; every bad input refused
with a 422 naming the field, and nothing changed."""

from __future__ import annotations

import pytest

from tests.e2e.notifications.prefs_support import Me, new_person, refused_field

pytestmark = pytest.mark.e2e


@pytest.fixture
def me(services: dict[str, str]) -> Me:
    return Me(services["notifications"], new_person())


def test_a_person_who_chose_nothing_sees_the_defaults(me: Me) -> None:
    answer = me.get()
    assert answer.status_code == 200, answer.text
    mine = answer.json()
    assert mine["locale"] == "zh-CN" and mine["time_zone"] == "Asia/Shanghai"
    assert mine["contact_points"] == {} and mine["quiet_hours"] is None
    assert mine["digest"]["window"] == "daily 20:00" and not mine["digest"]["chosen"]
    categories = {c["category"]: c for c in mine["categories"]}
    assert len(categories) == 9
    assert categories["duty"]["channels"] == ["inapp"] and not categories["duty"]["chosen"]
    assert categories["safety"]["critical"] and "incident_alert" in categories["safety"]["kinds"]
    # With an email contact point, email joins in-app by default.
    assert me.put("/contact-points/email", {"address": "wang.fang@example.edu.cn"}).is_success
    assert me.category("duty")["channels"] == ["inapp", "email"]


def test_contact_points_are_validated_and_normalised(me: Me) -> None:
    sms = me.put("/contact-points/sms", {"address": "138 1234 5678"})
    assert sms.status_code == 200, sms.text
    im = me.put("/contact-points/im", {"address": "dingtalk://abcdef0123"})
    assert im.status_code == 200, im.text
    assert im.json()["contact_points"] == {
        "sms": "+8613812345678",
        "im": "dingtalk://abcdef0123",
    }
    for channel, address in [
        ("email", "not-an-address"),
        ("sms", "12345"),
        ("im", "https://hooks.example.com/x"),
        ("im", "slack://a/b/c"),
        ("im", "dingtalk://[abc"),
        ("email", "a@b.c" + "o" * 300),
    ]:
        status, fields = refused_field(me.put(f"/contact-points/{channel}", {"address": address}))
        assert (status, fields) == (422, ["address"]), (channel, address)
    status, fields = refused_field(me.put("/contact-points/fax", {"address": "010-1234"}))
    assert (status, fields) == (422, ["channel"])
    for channel in ("inapp", "电子邮件", "EMAIL"):
        status, fields = refused_field(me.put(f"/contact-points/{channel}", {"address": "x"}))
        assert (status, fields) == (422, ["channel"]), channel
    # Nothing changed by the refusals.
    assert me.get().json()["contact_points"] == {
        "sms": "+8613812345678",
        "im": "dingtalk://abcdef0123",
    }
    assert me.delete("/contact-points/sms").json()["contact_points"] == {
        "im": "dingtalk://abcdef0123"
    }
    assert me.delete("/contact-points/sms").status_code == 404


def test_choices_per_category_replace_only_the_categories_given(me: Me) -> None:
    chosen = me.put(
        "/preferences",
        {
            "categories": [
                {"category": "duty", "channels": ["sms", "email", "inapp"], "quiet_hours": "drop"},
                {"category": "evaluation", "channels": ["inapp"], "digest": True},
                {"category": "recruitment", "channels": ["inapp"], "enabled": False},
            ]
        },
    )
    assert chosen.status_code == 200, chosen.text
    categories = {c["category"]: c for c in chosen.json()["categories"]}
    assert categories["duty"]["channels"] == ["sms", "email", "inapp"]
    assert categories["duty"]["quiet_hours"] == "drop" and categories["duty"]["chosen"]
    assert categories["evaluation"]["digest"] and not categories["recruitment"]["enabled"]
    assert not categories["meetings"]["chosen"]
    again = me.put("/preferences", {"categories": [{"category": "duty", "channels": ["inapp"]}]})
    assert again.json()["categories"][2]["channels"] == ["inapp"]  # duty, hold by default
    assert me.category("evaluation")["digest"]  # untouched


def test_bad_choices_are_refused_naming_the_field_and_change_nothing(me: Me) -> None:
    assert me.put(
        "/preferences", {"categories": [{"category": "duty", "channels": ["email"]}]}
    ).is_success
    before = me.get().json()
    cases = [
        # a critical category cannot be switched off, nor wait for a digest
        (
            [
                {"category": "duty", "channels": ["sms"]},
                {"category": "safety", "channels": ["sms"], "enabled": False},
            ],
            "categories.1.enabled",
        ),
        ([{"category": "safety", "channels": ["sms"], "digest": True}], "categories.0.digest"),
        ([{"category": "gossip", "channels": ["inapp"]}], "categories.0.category"),
        ([{"category": "duty", "channels": ["pigeon"]}], "categories.0.channels.0"),
        ([{"category": "duty", "channels": []}], "categories.0.channels"),
        ([{"category": "duty", "channels": ["sms", "sms"]}], "categories.0.channels"),
        (
            [{"category": "duty", "channels": ["sms"]}, {"category": "duty", "channels": ["im"]}],
            "categories.1.category",
        ),
        ([{"category": "duty", "channels": ["sms"], "quiet_hours": "later"}], None),
    ]
    for categories, field in cases:
        status, fields = refused_field(me.put("/preferences", {"categories": categories}))
        assert status == 422, categories
        if field is not None:
            assert fields == [field], (categories, fields)
        else:
            assert fields == ["categories.0.quiet_hours"]
    assert me.get().json() == before


def test_quiet_hours_digest_window_locale_and_time_zone(me: Me) -> None:
    quiet = me.put("/quiet-hours", {"starts": "22:00", "ends": "07:00"})
    assert quiet.status_code == 200, quiet.text
    assert quiet.json()["quiet_hours"] == {
        "starts": "22:00",
        "ends": "07:00",
        "time_zone": "Asia/Shanghai",
    }
    window = me.put("/digest-window", {"window": "weekly fri 18:30"})
    assert window.status_code == 200, window.text
    digest = window.json()["digest"]
    assert digest["window"] == "weekly fri 18:30" and digest["chosen"]
    assert me.put("/locale", {"locale": "en"}).json()["locale"] == "en"
    zone = me.put("/time-zone", {"time_zone": "Europe/Berlin"})
    assert zone.json()["time_zone"] == "Europe/Berlin"
    assert zone.json()["quiet_hours"]["time_zone"] == "Europe/Berlin"
    # the next digest is a Friday 18:30 in Berlin
    assert zone.json()["digest"]["next_at"].endswith(("17:30:00Z", "16:30:00Z"))
    before = me.get().json()
    refusals = [
        ("/quiet-hours", {"starts": "22:00", "ends": "22:00"}, "ends"),
        ("/quiet-hours", {"starts": "25:00", "ends": "07:00"}, "starts"),
        ("/quiet-hours", {"starts": "22:00"}, "ends"),
        ("/digest-window", {"window": "every so often"}, "window"),
        ("/digest-window", {"window": "daily 24:30"}, "window"),
        ("/time-zone", {"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ("/time-zone", {"time_zone": "Asia/../../etc"}, "time_zone"),
        ("/time-zone", {"time_zone": ""}, "time_zone"),
        ("/quiet-hours", {"starts": "٠١:٠٠", "ends": "07:00"}, "starts"),
        ("/locale", {"locale": "fr"}, "locale"),
    ]
    for path, body, field in refusals:
        status, fields = refused_field(me.put(path, body))
        assert (status, fields) == (422, [field]), (path, body, fields)
    assert me.get().json() == before
    cleared = me.delete("/quiet-hours").json()
    assert cleared["quiet_hours"] is None
    assert me.delete("/digest-window").json()["digest"]["window"] == "daily 20:00"


def test_each_person_sees_only_their_own(services: dict[str, str]) -> None:
    wang, li = (Me(services["notifications"], new_person()) for _ in range(2))
    assert wang.put("/contact-points/email", {"address": "wang@example.edu.cn"}).is_success
    assert li.get().json()["contact_points"] == {}
    # The same user id in another college is another person.
    other = Me(services["notifications"], wang.person_id, college="math")
    assert other.get().json()["contact_points"] == {}
    # A university administrator belongs to no college: no personal preferences here.
    nobody = Me(services["notifications"], new_person(), college=None, role="university_admin")
    assert nobody.get().status_code == 403
    anonymous = Me(services["notifications"], new_person())
    anonymous.client.headers.pop("Authorization")
    assert anonymous.get().status_code == 401
