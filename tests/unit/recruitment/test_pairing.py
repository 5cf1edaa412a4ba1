"""Pairing rules (一对一 / 多对一 结对帮扶, DOMAIN.md §1): quality, reasons, overrides, ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.recruitment.domain.pairing import (
    CONTINUITY_SCORE,
    MAX_VOLUNTEERS_PER_CHILD,
    ChildToPair,
    Pairing,
    PairingMode,
    PairingProposal,
    Place,
    VolunteerToPair,
    create_pairings,
    end_pairing,
    pair_manually,
    pairing_options,
    pairing_score,
    place_of,
    reasons_for,
)
from shared.events.recruitment import PairingCreated
from shared.rules import RuleBroken as PairingRuleBroken

pytestmark = pytest.mark.unit
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def child(**overrides: object) -> ChildToPair:
    fields: dict[str, object] = {
        "beneficiary_id": UUID(int=1),
        "school_id": "xiaoxue-1",
        "county": "县A",
        "subject_needs": ("英语", "数学"),
    }
    fields.update(overrides)
    return ChildToPair(**fields)  # type: ignore[arg-type]


def volunteer(**overrides: object) -> VolunteerToPair:
    fields: dict[str, object] = {
        "volunteer_id": "cs-2024001",
        "skills": ("英语",),
        "county": "县A",
        "school_id": None,
        "max_children": 2,
    }
    fields.update(overrides)
    return VolunteerToPair(**fields)  # type: ignore[arg-type]


def manual(**overrides: object) -> tuple[Pairing, PairingCreated]:
    arguments: dict[str, object] = {
        "pairing_id": uuid4(),
        "college": "cs",
        "child": child(),
        "volunteer": volunteer(),
        "reason": "家长要求同一位老师",
        "created_by": "cs-officer",
        "now": NOW,
    }
    arguments.update(overrides)
    return pair_manually(**arguments)  # type: ignore[arg-type]


def test_same_school_is_better_than_same_county_which_is_better_than_elsewhere() -> None:
    kid = child()
    same_school = volunteer(school_id="xiaoxue-1")
    same_county = volunteer(school_id="xiaoxue-2")
    elsewhere = volunteer(county="县B")
    assert place_of(kid, same_school) is Place.SAME_SCHOOL
    assert place_of(kid, same_county) is Place.SAME_COUNTY
    assert place_of(kid, elsewhere) is Place.ELSEWHERE
    assert pairing_score(kid, same_school) > pairing_score(kid, same_county)
    assert pairing_score(kid, same_county) > pairing_score(kid, elsewhere)


def test_each_subject_need_covered_by_a_skill_counts() -> None:
    kid = child()
    assert pairing_score(kid, volunteer(skills=("英语", "数学"))) > pairing_score(
        kid, volunteer(skills=("英语",))
    )
    assert pairing_score(kid, volunteer(skills=("英语",))) > pairing_score(
        kid, volunteer(skills=("体育",))
    )


def test_continuity_with_last_seasons_volunteer_outweighs_place_and_subjects() -> None:
    kid = child(last_volunteer_id="old-friend")
    old_friend = volunteer(volunteer_id="old-friend", county="县B", skills=())
    best_stranger = volunteer(school_id="xiaoxue-1", skills=("英语", "数学"))
    assert pairing_score(kid, old_friend) >= CONTINUITY_SCORE
    assert pairing_score(kid, old_friend) > pairing_score(kid, best_stranger)


def test_each_pair_says_why_in_chinese_and_english() -> None:
    kid = child(last_volunteer_id="cs-2024001")
    reasons = reasons_for(kid, volunteer(school_id="xiaoxue-1", skills=("英语", "数学")))
    assert reasons == (
        "延续上一期结对 continues last season's pairing",
        "同校 same school",
        "覆盖需求 covers needs: 英语, 数学",
    )
    assert "同县 same county" in reasons_for(child(), volunteer())
    assert "未覆盖学科需求 subject needs not covered" in reasons_for(
        child(), volunteer(skills=("体育",))
    )


def test_a_distant_pair_claims_only_that_it_is_elsewhere() -> None:
    # Whether a nearer volunteer was free is the whole run's business, not this pair's.
    far = volunteer(county="县B", skills=("英语",))
    assert reasons_for(child(), far) == ("异地 different place", "覆盖需求 covers needs: 英语")


def test_one_to_one_means_exactly_one_volunteer_per_child() -> None:
    with pytest.raises(PairingRuleBroken) as broken:
        pairing_options(mode=PairingMode.ONE_TO_ONE, volunteers_per_child=2)
    assert broken.value.rule == "one_to_one_means_one_volunteer"
    assert pairing_options(mode=PairingMode.ONE_TO_ONE, volunteers_per_child=1)


def test_several_to_one_allows_one_to_five_volunteers_per_child() -> None:
    assert pairing_options(mode=PairingMode.MANY_TO_ONE, volunteers_per_child=3)
    for wrong in (0, MAX_VOLUNTEERS_PER_CHILD + 1):
        with pytest.raises(PairingRuleBroken) as broken:
            pairing_options(mode=PairingMode.MANY_TO_ONE, volunteers_per_child=wrong)
        assert broken.value.field == "volunteers_per_child"
        assert broken.value.rule == "volunteers_per_child_range"


def test_a_run_turns_proposals_into_announced_pairings() -> None:
    kid = child()
    run_id = uuid4()
    proposal = PairingProposal(kid.beneficiary_id, "cs-2024001", 30, ("同县 same county",))
    [(pairing, event)] = create_pairings(
        college="cs",
        proposals=[proposal],
        children={kid.beneficiary_id: kid},
        created_by="cs-officer",
        run_id=run_id,
        now=NOW,
        new_id=lambda: UUID(int=99),
    )
    assert pairing.active and not pairing.manual and pairing.run_id == run_id
    assert pairing.school_id == "xiaoxue-1"
    assert event.pairing_id == UUID(int=99)
    assert event.aggregate_id == str(kid.beneficiary_id)  # one child's events stay in order
    assert event.reasons == ["同县 same county"]


def test_a_manual_pairing_is_marked_manual_and_gives_the_officers_reason() -> None:
    pairing, event = manual()
    assert pairing.manual and event.manual
    assert pairing.reasons[0] == "人工指定 manual: 家长要求同一位老师"


def test_a_manual_pairing_respects_the_volunteers_load_limit() -> None:
    with pytest.raises(PairingRuleBroken) as broken:
        manual(volunteer=volunteer(max_children=2, current_load=2))
    assert (broken.value.field, broken.value.rule) == ("volunteer_id", "volunteer_load_limit")


def test_a_volunteer_is_paired_with_the_same_child_only_once_at_a_time() -> None:
    with pytest.raises(PairingRuleBroken) as broken:
        manual(child=child(current_volunteer_ids=("cs-2024001",)))
    assert broken.value.rule == "one_active_pairing_per_volunteer_and_child"


def test_a_child_has_at_most_five_volunteers() -> None:
    full = child(current_volunteer_ids=tuple(f"v{i}" for i in range(MAX_VOLUNTEERS_PER_CHILD)))
    with pytest.raises(PairingRuleBroken) as broken:
        manual(child=full)
    assert broken.value.rule == "volunteers_per_child_limit"


def test_a_manual_pairing_needs_a_reason() -> None:
    with pytest.raises(PairingRuleBroken) as broken:
        manual(reason="   ")
    assert (broken.value.field, broken.value.rule) == ("reason", "reason_required")


def test_ending_a_pairing_needs_a_reason() -> None:
    pairing, _ = manual()
    with pytest.raises(PairingRuleBroken) as broken:
        end_pairing(pairing=pairing, reason="", now=NOW)
    assert broken.value.rule == "reason_required"


def test_an_ended_pairing_records_when_and_why_and_is_announced() -> None:
    pairing, _ = manual()
    later = NOW + timedelta(days=60)
    ended, event = end_pairing(pairing=pairing, reason="志愿者毕业 volunteer graduated", now=later)
    assert not ended.active
    assert (ended.ended_at, ended.end_reason) == (later, "志愿者毕业 volunteer graduated")
    assert (event.pairing_id, event.reason, event.ended_at) == (pairing.id, ended.end_reason, later)


def test_a_pairing_ends_only_once() -> None:
    pairing, _ = manual()
    ended, _ = end_pairing(pairing=pairing, reason="学期结束", now=NOW)
    with pytest.raises(PairingRuleBroken) as broken:
        end_pairing(pairing=ended, reason="again", now=NOW)
    assert broken.value.rule == "pairing_already_ended"


def test_a_pairing_ends_cut_short_unless_the_officer_says_the_season_is_over() -> None:
    pairing, _ = manual()
    cut_short, _ = end_pairing(pairing=pairing, reason="家长要求更换", now=NOW)
    assert cut_short.season_over is False
    finished, event = end_pairing(pairing=pairing, reason="学期结束", now=NOW, season_over=True)
    assert finished.season_over is True
    assert event.reason == "学期结束"


def test_an_officer_may_still_pair_by_hand_a_volunteer_a_run_would_not_propose() -> None:
    kid = child(barred_volunteer_ids=("cs-2024001",))
    pairing, _ = manual(child=kid)
    assert pairing.volunteer_id == "cs-2024001" and pairing.manual
