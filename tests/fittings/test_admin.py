"""The lab's admin: the fitting sheet and its printable copy, the build form, impressions, access."""

import pytest
from django.contrib.auth.models import Permission

from orders.fittings.models import Fitting
from tests.factories import UserFactory
from tests.fittings.documents import pdf_bytes
from tests.fittings.helpers import paid_custom_order
from tests.images import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def ordered_fitting(customer, custom_variant, assessment, footprints):
    from orders.fittings.services import fitting_create

    fitting = fitting_create(
        owner=customer, assessment_id=assessment.pk, footprint_left_id=footprints[0].pk,
        footprint_right_id=footprints[1].pk, foot_length_mm=265, foot_width_mm=98, shoe_type="athletic",
        prescription=upload(pdf_bytes(), "rx.pdf", "application/pdf"),
    )  # fmt: skip
    paid_custom_order(user=customer, variant=custom_variant, fitting=fitting)
    fitting.refresh_from_db()
    return fitting


def _sheet(fitting):
    return f"/admin/fittings/fitting/{fitting.pk}/sheet/"


def _print(fitting):
    return f"/admin/fittings/fitting/{fitting.pk}/print/"


def test_the_sheet_and_printable_view_show_both_feet(lab, ordered_fitting, footprints):
    left, right = footprints
    for url in (_sheet(ordered_fitting), _print(ordered_fitting)):
        response = lab.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f"{left.arch_index:.3f}" in html and f"{right.arch_index:.3f}" in html
        assert f"/admin/fittings/fitting/{ordered_fitting.pk}/overlay/left.png" in html
        assert f"/admin/fittings/fitting/{ordered_fitting.pk}/overlay/right.png" in html
        assert "Athletic shoes" in html and "8.0 mm" in html  # shoe type, leg-length difference
        assert "from arch_type_self" in html  # what the profile was derived from
        assert "Download the prescription" in html
        assert ordered_fitting.order_line.order.number in html
    assert b"window.print()" in lab.get(_print(ordered_fitting)).content

    overlay = lab.get(f"/admin/fittings/fitting/{ordered_fitting.pk}/overlay/left.png")
    assert overlay.status_code == 200 and b"".join(overlay.streaming_content).startswith(b"\x89PNG")
    prescription = lab.get(f"/admin/fittings/fitting/{ordered_fitting.pk}/prescription/")
    assert prescription.status_code == 200 and prescription["Content-Type"] == "application/pdf"


def test_customers_and_staff_without_permission_do_not_see_the_sheet(client, customer, ordered_fitting):
    client.force_login(customer)
    for url in (_sheet(ordered_fitting), _print(ordered_fitting),
                f"/admin/fittings/fitting/{ordered_fitting.pk}/overlay/left.png"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    client.force_login(UserFactory(is_staff=True))  # staff, but not of the lab
    assert client.get(_sheet(ordered_fitting)).status_code == 403


def test_the_order_page_links_to_the_fitting_sheet(lab, ordered_fitting):
    order = ordered_fitting.order_line.order
    response = lab.get(f"/admin/orders/order/{order.pk}/change/")
    assert response.status_code == 200
    assert _sheet(ordered_fitting) in response.content.decode()


def test_the_lab_records_the_build_and_marks_it_made(lab, ordered_fitting, staff_user):
    response = lab.post(_sheet(ordered_fitting), {
        "shell": "carbon", "posting": "lateral", "top_cover": "microfibre", "heel_lift_left_mm": "6",
        "heel_lift_right_mm": "0", "lab_notes": "Deepened the heel cup.", "mark_made": "1",
    })  # fmt: skip
    assert response.status_code == 302
    build = ordered_fitting.order_line.orthotic_build
    build.refresh_from_db()
    assert (build.shell, build.posting, build.top_cover, build.heel_lift_left_mm) == (
        "carbon",
        "lateral",
        "microfibre",
        6,
    )
    assert build.made_by == staff_user and build.made_at is not None
    page = lab.get(_sheet(ordered_fitting)).content.decode()
    assert "can no longer change" in page and "Carbon fibre" in page


def test_a_heel_lift_out_of_range_is_shown_on_the_form(lab, ordered_fitting):
    response = lab.post(_sheet(ordered_fitting), {"shell": "eva", "posting": "none", "top_cover": "none",
                                                  "heel_lift_left_mm": "40", "heel_lift_right_mm": "0"})  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["heel_lift_left_mm"]


def test_the_impression_action_starts_production(lab, customer, custom_variant, kit_fitting, staff_user):
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=kit_fitting)
    assert order.status == "awaiting_impression"
    page = lab.get(_sheet(kit_fitting)).content.decode()
    assert "awaited" in page and "Record that the impression arrived" in page

    response = lab.post(
        "/admin/fittings/fitting/",
        {"action": "impression_received", "_selected_action": [str(kit_fitting.pk)]},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    kit_fitting.refresh_from_db()
    assert order.status == "in_production" and kit_fitting.impression_received_by == staff_user


def test_the_changelists_render(lab, ordered_fitting, kit_fitting):
    for url in ("/admin/fittings/fitting/", "/admin/fittings/orthoticbuild/",
                f"/admin/fittings/fitting/{ordered_fitting.pk}/change/"):  # fmt: skip
        assert lab.get(url).status_code == 200, url


def test_a_view_only_lab_member_sees_the_sheet_but_cannot_record(client, ordered_fitting):
    member = UserFactory(is_staff=True)
    member.user_permissions.add(Permission.objects.get(codename="view_fitting"))
    client.force_login(member)
    assert client.get(_sheet(ordered_fitting)).status_code == 200
    assert client.post(_sheet(ordered_fitting), {"shell": "eva"}).status_code == 403
    assert Fitting.objects.get(pk=ordered_fitting.pk).order_line.orthotic_build.shell == ""


def test_awaiting_shipment_lists_custom_orders_once_the_pair_is_made(
    client, staff_user, customer, custom_variant, complete_fitting
):
    """Staff looking for orders to ship see an ordinary paid order, and a custom one only once it is made."""
    from orders.fittings.services import orthotic_build_mark_made
    from tests.fittings.helpers import paid_custom_order
    from tests.orders.factories import paid_order

    client.force_login(staff_user)
    ready = paid_order()
    custom = paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    assert custom.status == "in_production"

    def listed():
        response = client.get("/admin/orders/order/", {"awaiting_shipment": "yes"})
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed() == {ready}
    orthotic_build_mark_made(build=custom.lines.get().orthotic_build, actor=staff_user)
    assert listed() == {ready, custom}
