"""Foot-type matching over HTTP: assessments, footprints, overlay, ownership, refusals, query counts."""

import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.throttling import ScopedRateThrottle

from catalogue.matching.models import Assessment, Footprint
from catalogue.matching.selectors import foot_profile_latest
from tests.factories import ProductFactory, VariantFactory
from tests.matching.conftest import make_product
from tests.matching.prints import draw_print, encode

pytestmark = pytest.mark.django_db

ASSESSMENTS = "/api/v1/fit/assessments/"
FOOTPRINTS = "/api/v1/fit/footprints/"
FLAT_BACK_PAIN = {
    "arch_type_self": "flat",
    "pain_areas": ["low_back"],
    "back_pain_worse_in_bad_shoes": True,
    "activity": "walking",
    "shoe_type": "athletic",
    "foot_length_mm": "254.0",
}


def _errors(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def test_anonymous_assessment_returns_everything_in_one_response(api_client, catalogue_products):
    response = api_client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["profile"]["arch_type"] == "flat"
    assert body["profile"]["conditions"] == ["flat-feet"]
    assert body["profile"]["flags"] == ["low-back-pain"]
    assert body["profile"]["derived_from"]["size"] == ["foot_length_mm"]
    assert body["size"] == {"foot_length_mm": 254.0, "eu": 40.5, "uk": 7.0, "us_men": 8.0, "us_women": 9.5,
                            "mondopoint": 254}  # fmt: skip
    assert [r["product"]["slug"] for r in body["recommendations"]] == [
        "archform-rigid",
        "custom-everyday",
        "cloudstep",
    ]
    first = body["recommendations"][0]
    assert first["score"] == 100
    assert first["variant"] == {"sku": "ARCHFORM-RIGID-39", "size_label": "EU 39-40"}
    assert first["product"]["price"] == "49.90" and first["product"]["currency"] == "EUR"
    assert "High arch support holds up a low arch and helps stop the foot rolling inward." in first["reasons"]
    assert [e["slug"] for e in body["exercises"]][:2] == ["toe-curls-and-spreads", "towel-scrunch"]
    assert all(e["instructions"] for e in body["exercises"])
    assert body["referral"] == {"advised": False, "urgency": "none", "reasons": [], "details": []}
    assert body["advice"]["outcome"] == "matches"
    assert [note["code"] for note in body["advice"]["notes"]] == [
        "low-back-pain-with-foot",
        "back-pain-shoes",
    ]
    assert body["accessories"] == [] and body["comfort_products"] == [] and body["sold_out"] == []
    assessment = Assessment.objects.get(pk=body["id"])
    assert assessment.owner is None and assessment.answers["foot_length_mm"] == 254.0

    again = api_client.get(f"{ASSESSMENTS}{body['id']}/")
    assert again.status_code == 200 and again.json() == body


def test_hard_filters_leave_out_what_the_customer_cannot_use(api_client, catalogue_products):
    """Out of stock in the size, wrong shoe type, inactive, accessories and unneeded heel lifts are left out."""
    make_product("sold-out-in-size", bands=((39, 40.5),), stock=0)
    make_product("other-size-only", bands=((41, 42.5),))
    make_product("dress-only", shoe_types=["dress"])
    make_product("inactive", is_active=False)
    make_product("pads", kind="accessory")
    make_product("heel-lift-6", heel_lift_mm=6)
    one_size = ProductFactory(slug="one-size")
    VariantFactory(product=one_size, sku="ONE", eu_min=None, eu_max=None, size_label="One size")
    inactive_variant = make_product("variant-off")
    inactive_variant.variants.update(is_active=False)

    body = api_client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json").json()
    slugs = {r["product"]["slug"] for r in body["recommendations"]}
    assert slugs == {"archform-rigid", "cloudstep", "custom-everyday", "one-size"}
    assert (
        next(r for r in body["recommendations"] if r["product"]["slug"] == "one-size")["variant"]["sku"]
        == "ONE"
    )


def test_without_a_size_no_variant_is_named(api_client, catalogue_products):
    answers = {key: value for key, value in FLAT_BACK_PAIN.items() if key != "foot_length_mm"}
    body = api_client.post(ASSESSMENTS, answers, format="json").json()
    assert body["size"] is None
    assert {r["variant"] is None for r in body["recommendations"]} == {True}


def test_shoe_size_gives_the_size_in_every_system(api_client, catalogue_products):
    body = api_client.post(ASSESSMENTS, {"shoe_size": 8, "size_system": "us_men"}, format="json").json()
    assert body["size"] == {"foot_length_mm": 254.0, "eu": 40.5, "uk": 7.0, "us_men": 8.0, "us_women": 9.5,
                            "mondopoint": 254}  # fmt: skip
    assert body["profile"]["derived_from"]["size"] == ["shoe_size", "size_system"]


def test_query_count_does_not_grow_with_the_catalogue(
    api_client, catalogue_products, django_assert_max_num_queries
):
    """Pinned exactly, cold and warm, for small and larger shelves in ``test_query_counts`` (six cold: the
    catalogue's four, the outcomes of the segment, the insert)."""
    with django_assert_max_num_queries(6):
        assert api_client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json").status_code == 201
    for number in range(25):
        make_product(f"more-{number}", shoe_types=["athletic"])
    with django_assert_max_num_queries(6):
        response = api_client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json")
    assert len(response.json()["recommendations"]) == 10


def test_urgent_referral_ranks_no_products(api_client, catalogue_products):
    response = api_client.post(
        ASSESSMENTS, {**FLAT_BACK_PAIN, "recent_injury_cannot_bear_weight": True}, format="json"
    )
    body = response.json()
    assert body["referral"]["urgency"] == "urgent" and body["referral"]["advised"] is True
    assert body["recommendations"] == [] and body["exercises"] == []


def test_soon_referral_puts_custom_orthotics_first(api_client, catalogue_products):
    body = api_client.post(
        ASSESSMENTS, {**FLAT_BACK_PAIN, "numbness_or_tingling": True}, format="json"
    ).json()
    assert body["referral"]["urgency"] == "soon"
    assert body["recommendations"][0]["product"]["slug"] == "custom-everyday"


@pytest.mark.parametrize(
    ("answers", "code", "attr"),
    [
        ({"arch_type_self": "banana"}, "invalid_choice", "arch_type_self"),
        ({"shoe_type": "clogs"}, "invalid_choice", "shoe_type"),
        ({"pain_areas": ["elbow"]}, "invalid_choice", "pain_areas.0"),
        ({"favourite_colour": "blue"}, "unknown_answer", "favourite_colour"),
        ({"foot_length_mm": 149.9}, "out_of_range", "foot_length_mm"),
        ({"foot_length_mm": 350.1}, "out_of_range", "foot_length_mm"),
        ({"shoe_size": 42}, "required", "size_system"),
        ({"size_system": "eu"}, "required", "shoe_size"),
        ({"shoe_size": 12, "size_system": "eu"}, "out_of_range", "shoe_size"),
        ({"leg_length_difference_mm": -1}, "min_value", "leg_length_difference_mm"),
        ({"footprint": "not-a-uuid"}, "invalid", "footprint"),
        ({"footprint": "6f1c1f0e-9d2b-4f7e-8a51-3c1f0e9d2b4f"}, "unknown_footprint", "footprint"),
    ],
)
def test_bad_answers_are_a_400_naming_the_field(api_client, answers, code, attr):
    response = api_client.post(ASSESSMENTS, answers, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _errors(response) == [(code, attr)]
    assert not Assessment.objects.exists()


def test_boundary_foot_lengths_are_accepted(api_client):
    for length in (150, 350):
        assert api_client.post(ASSESSMENTS, {"foot_length_mm": length}, format="json").status_code == 201


def test_assessments_belong_to_their_owner(customer_client, other_client, api_client, customer):
    created = customer_client.post(ASSESSMENTS, {"arch_type_self": "high"}, format="json").json()
    url = f"{ASSESSMENTS}{created['id']}/"
    assert customer_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 404
    assert api_client.get(url).status_code == 404
    assert Assessment.objects.get(pk=created["id"]).owner == customer


def test_anonymous_assessments_are_read_by_their_id(api_client, other_client):
    created = api_client.post(ASSESSMENTS, {}, format="json").json()
    assert other_client.get(f"{ASSESSMENTS}{created['id']}/").status_code == 200
    assert api_client.get(f"{ASSESSMENTS}6f1c1f0e-9d2b-4f7e-8a51-3c1f0e9d2b4f/").status_code == 404


def test_latest_foot_profile_for_the_me_endpoint(customer_client, customer, api_client):
    assert foot_profile_latest(user=customer) is None
    assert customer_client.get("/api/v1/me/").json()["foot_profile"] is None
    customer_client.post(ASSESSMENTS, {"arch_type_self": "high"}, format="json")
    latest = customer_client.post(ASSESSMENTS, {"arch_type_self": "flat"}, format="json").json()
    api_client.post(ASSESSMENTS, {"arch_type_self": "normal"}, format="json")
    profile = foot_profile_latest(user=customer)
    assert profile["assessment"] == latest["id"] and profile["arch_type"] == "flat"
    shown = customer_client.get("/api/v1/me/").json()["foot_profile"]
    assert (shown["assessment"], shown["arch_type"]) == (latest["id"], "flat")
    assert profile["derived_from"]["arch_type"] == ["arch_type_self"]


def _upload(client, arch="flat", **fields):
    drawn = draw_print(arch, angle=15)
    return client.post(
        FOOTPRINTS, {"image": encode(drawn.image, format="JPEG"), **fields}, format="multipart"
    ), drawn


def test_footprint_upload_measures_and_stores(customer_client, customer):
    response, drawn = _upload(customer_client, "flat", mm_per_px="0.5", side="left")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["arch_type"] == "flat" and body["arch_index"] == pytest.approx(drawn.arch_index, abs=0.01)
    assert body["foot_length_mm"] == pytest.approx(drawn.length_px * 0.5, rel=0.01)
    assert body["width_mm"] > 0 and body["method"] == "cavanagh_rodgers_1987" and body["scale"] == "mm_per_px"
    footprint = Footprint.objects.get(pk=body["id"])
    assert footprint.owner == customer and footprint.side == "left" and footprint.image and footprint.overlay

    detail = customer_client.get(f"{FOOTPRINTS}{body['id']}/")
    assert detail.status_code == 200 and detail.json()["arch_index"] == body["arch_index"]
    overlay = customer_client.get(body["overlay_url"])
    assert overlay.status_code == 200 and overlay["Content-Type"] == "image/png"
    assert b"".join(overlay.streaming_content).startswith(b"\x89PNG")
    image = customer_client.get(body["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content).startswith(b"\xff\xd8\xff")


def test_a_16_bit_png_footprint_is_measured_and_stored_like_an_8_bit_one(api_client):
    """A scanner's 16-bit greyscale PNG: measured (not a 400 for a print clipped to white), stored in 8 bits."""
    drawn = draw_print("flat", angle=15)
    sixteen = Image.fromarray(np.asarray(drawn.image.convert("L"), dtype=np.uint16) * 257)
    assert sixteen.mode == "I;16"
    response = api_client.post(FOOTPRINTS, {"image": encode(sixteen, format="PNG")}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["arch_type"] == "flat"
    assert response.json()["arch_index"] == pytest.approx(drawn.arch_index, abs=0.01)
    footprint = Footprint.objects.get(pk=response.json()["id"])
    stored = Image.open(io.BytesIO(footprint.image.read()))
    assert stored.format == "JPEG" and stored.convert("L").getpixel((2, 2)) == pytest.approx(235, abs=3)


def test_footprints_belong_to_their_owner(customer_client, other_client, api_client):
    body = _upload(customer_client)[0].json()
    for client in (other_client, api_client):
        assert client.get(f"{FOOTPRINTS}{body['id']}/").status_code == 404
        assert client.get(f"{FOOTPRINTS}{body['id']}/overlay/").status_code == 404
        assert client.get(f"{FOOTPRINTS}{body['id']}/image/").status_code == 404
    response = other_client.post(ASSESSMENTS, {"footprint": body["id"]}, format="json")
    assert _errors(response) == [("unknown_footprint", "footprint")]


def test_scan_dpi_gives_the_scale(api_client):
    response, drawn = _upload(api_client, "normal", dpi="127")  # 0.2 mm per pixel
    assert response.json()["scale"] == "dpi"
    assert response.json()["foot_length_mm"] == pytest.approx(drawn.length_px * 0.2, rel=0.01)


def test_a_footprint_outranks_the_self_reported_arch_and_gives_the_size(api_client, catalogue_products):
    footprint = _upload(api_client, "high", mm_per_px="0.35")[0].json()
    answers = {"arch_type_self": "flat", "footprint": footprint["id"], "shoe_type": "athletic"}
    body = api_client.post(ASSESSMENTS, answers, format="json").json()
    assert body["profile"]["arch_type"] == "high"
    assert body["profile"]["derived_from"]["arch_type"] == ["footprint"]
    assert body["footprint"] == footprint["id"]
    assert body["size"]["foot_length_mm"] == pytest.approx(footprint["foot_length_mm"], abs=0.1)
    assert body["profile"]["derived_from"]["size"] == ["footprint"]


@pytest.mark.parametrize(
    ("picture", "code"),
    [
        ("blank", "invalid_footprint"),
        ("two", "invalid_footprint"),
        ("cut", "invalid_footprint"),
        ("text", "invalid_image"),
    ],
)
def test_refused_footprints_store_nothing(api_client, settings, picture, code):
    from PIL import Image

    if picture == "blank":
        upload = encode(Image.new("RGB", (800, 1000), (240, 240, 240)))
    elif picture == "two":
        canvas = Image.new("RGB", (1600, 1200), (235, 235, 235))
        canvas.paste(draw_print("normal", size=(800, 1200)).image, (0, 0))
        canvas.paste(draw_print("normal", size=(800, 1200)).image, (800, 0))
        upload = encode(canvas)
    elif picture == "cut":
        upload = encode(draw_print("normal").image.crop((0, 400, 900, 1200)))
    else:
        upload = __import__("io").BytesIO(b"this is not a picture")
        upload.name = "foot.jpg"
    response = api_client.post(FOOTPRINTS, {"image": upload}, format="multipart")
    assert response.status_code == 400
    assert _errors(response) == [(code, "image")]
    assert "Retake" in response.json()["errors"][0]["detail"] or code == "invalid_image"
    assert not Footprint.objects.exists()
    for media in (settings.MEDIA_ROOT, settings.SHOP_PRIVATE_MEDIA_ROOT):
        assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"mm_per_px": "0.5", "dpi": "300"}, "dpi"),
        ({"mm_per_px": "0"}, "mm_per_px"),
        ({"side": "middle"}, "side"),
    ],
)
def test_bad_footprint_fields_are_a_400_naming_the_field(api_client, fields, attr):
    response = _upload(api_client, **fields)[0]
    assert response.status_code == 400 and [a for _, a in _errors(response)] == [attr]


def test_footprint_uploads_are_throttled(api_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"uploads": "2/hour"})
    assert _upload(api_client)[0].status_code == 201
    assert _upload(api_client)[0].status_code == 201
    response = _upload(api_client)[0]
    assert response.status_code == 429 and "Retry-After" in response


def test_admin_shows_rules_exercises_and_footprint_overlays(staff_user, api_client, client):
    footprint = _upload(api_client)[0].json()
    api_client.post(ASSESSMENTS, {"footprint": footprint["id"]}, format="json")
    client.force_login(staff_user)
    for name in ("matchingrule", "exercise", "footprint", "assessment"):
        assert client.get(reverse(f"admin:matching_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:matching_footprint_change", args=[footprint["id"]]))
    overlay_url = f"/admin/matching/footprint/{footprint['id']}/overlay/"
    assert page.status_code == 200 and overlay_url.encode() in page.content
    overlay = client.get(overlay_url)
    assert overlay.status_code == 200 and b"".join(overlay.streaming_content).startswith(b"\x89PNG")
    assessment = Assessment.objects.get()
    assert client.get(reverse("admin:matching_assessment_change", args=[assessment.pk])).status_code == 200


def test_admin_refuses_a_rule_on_an_unknown_profile_field(staff_user, client):
    from catalogue.matching.models import MatchingRule

    client.force_login(staff_user)
    rule = MatchingRule.objects.get(code="flat-arch-support")
    url = reverse("admin:matching_matchingrule_change", args=[rule.pk])
    data = {"code": rule.code, "when": '{"shoe_colour": ["red"]}', "attribute": "arch_support",
            "preferred": '["high"]', "weight": 3, "reason": rule.reason, "source": rule.source, "position": 0,
            "is_active": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200 and b"Unknown profile field" in response.content
    data["when"] = '{"arch_type": ["flat"]}'
    data["weight"] = 5
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.weight == 5 and rule.when == {"arch_type": ["flat"]}


def test_seeded_rules_and_exercises_are_valid_rows():
    from catalogue.matching.models import Exercise, MatchingRule

    assert MatchingRule.objects.count() == 20 and Exercise.objects.count() == 13
    for rule in MatchingRule.objects.all():
        rule.full_clean()
        assert rule.source and "matching.md" not in rule.source
    for exercise in Exercise.objects.all():
        exercise.full_clean()
        assert exercise.source and "matching.md" not in exercise.source
    assert set(Exercise.objects.get(slug="arch-roll").conditions.values_list("slug", flat=True)) == {
        "plantar-fasciitis",
        "heel-spur",
        "high-arches",
    }


def test_the_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/fit/assessments/", "/api/v1/fit/assessments/{id}/", "/api/v1/fit/footprints/",
                 "/api/v1/fit/footprints/{id}/", "/api/v1/fit/footprints/{id}/image/",
                 "/api/v1/fit/footprints/{id}/overlay/"):  # fmt: skip
        assert path in schema["paths"], path


def test_demo_catalogue_assessments(api_client, django_assert_max_num_queries):
    """On the demo catalogue: insoles and custom orthotics only, in the size, and high arches avoid medial posts."""
    from catalogue.demo import demo_catalogue_load

    demo_catalogue_load(with_images=False)
    with django_assert_max_num_queries(6):
        body = api_client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json").json()
    assert body["recommendations"] and {r["product"]["kind"] for r in body["recommendations"]} <= {
        "insole",
        "custom_orthotic",
    }
    assert all(r["variant"]["size_label"] in ("EU 39-40", "One size") for r in body["recommendations"])
    assert body["recommendations"][0]["score"] >= 90
    high = api_client.post(
        ASSESSMENTS, {"arch_type_self": "high", "shoe_type": "athletic"}, format="json"
    ).json()
    assert high["recommendations"] and not any(r["cautions"] for r in high["recommendations"][:5])
    assert "archform-rigid" not in [r["product"]["slug"] for r in high["recommendations"][:5]]  # medial post
