"""A footprint that disagrees with what the customer said: the profile says so, and uses the footprint."""

import pytest

from catalogue.matching.models import Assessment
from catalogue.matching.profile import FootprintReading, profile_from_answers
from tests.matching.prints import draw_photo, encode

FLAT_PRINT = FootprintReading(arch_type="flat", arch_index=0.3123)


def test_a_footprint_that_disagrees_with_the_self_report_is_named_with_it():
    profile = profile_from_answers(answers={"arch_type_self": "high"}, footprint=FLAT_PRINT)
    assert (profile.arch_type, profile.derived_from["arch_type"]) == ("flat", ["footprint"])
    (conflict,) = profile.as_dict()["conflicts"]
    assert conflict == {
        "field": "arch_type",
        "footprint": "flat",
        "arch_index": 0.3123,
        "arch_type_self": "high",
        "used": "footprint",
        "note": "Your footprint measures a flat arch (arch index 0.31) but you said high; the footprint is "
        "used, as it is measured.",
    }


@pytest.mark.parametrize(
    ("answers", "footprint"),
    [
        ({"arch_type_self": "flat"}, FLAT_PRINT),  # they agree
        ({"arch_type_self": "unknown"}, FLAT_PRINT),  # nothing was said
        ({"shoe_wear": "outer_edge"}, FLAT_PRINT),  # only the self-report is compared
        ({"arch_type_self": "high"}, None),  # no footprint
    ],
)
def test_no_conflict_without_a_disagreeing_self_report(answers, footprint):
    assert profile_from_answers(answers=answers, footprint=footprint).as_dict()["conflicts"] == []


@pytest.mark.django_db
def test_the_assessment_stores_the_conflict_with_the_profile(api_client):
    """A measured high arch against "flat": the stored profile keeps both and says which was used."""
    drawn = draw_photo("high", table=True, angle=8)
    upload = api_client.post(
        "/api/v1/fit/footprints/", {"image": encode(drawn.image, format="JPEG")}, format="multipart"
    )
    assert upload.status_code == 201, upload.json()
    response = api_client.post(
        "/api/v1/fit/assessments/",
        {"arch_type_self": "flat", "footprint": upload.json()["id"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["profile"]["arch_type"] == "high"
    shown = response.json()["profile"]["conflicts"]
    assert [(c["footprint"], c["arch_type_self"], c["used"]) for c in shown] == [
        ("high", "flat", "footprint")
    ]
    assert "you said flat" in shown[0]["note"]
    profile = Assessment.objects.get(pk=response.json()["id"]).profile
    (conflict,) = profile["conflicts"]
    assert (conflict["footprint"], conflict["arch_type_self"], conflict["used"]) == (
        "high",
        "flat",
        "footprint",
    )
    assert conflict["arch_index"] == pytest.approx(drawn.arch_index, abs=0.01)
