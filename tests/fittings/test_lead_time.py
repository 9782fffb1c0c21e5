"""Estimated ship dates: production days counted in working days, weekends skipped, in the shop's time zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.fittings.lead_time import add_working_days, estimated_ship_date
from orders.fittings.services import fitting_impression_receive
from tests.fittings.helpers import custom_order, paid_custom_order
from tests.orders.factories import pay

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (FRIDAY, 0, FRIDAY),
        (FRIDAY, 1, date(2026, 11, 30)),  # Monday
        (FRIDAY, 3, date(2026, 12, 2)),  # Wednesday
        (FRIDAY, 5, date(2026, 12, 4)),  # the next Friday
        (FRIDAY, 6, date(2026, 12, 7)),
        (date(2026, 11, 28), 0, date(2026, 11, 30)),  # paid on a Saturday, nothing to make: Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday + 1 working day: Monday
        (date(2026, 11, 29), 2, date(2026, 12, 1)),  # Sunday + 2: Tuesday
        (date(2026, 11, 23), 4, date(2026, 11, 27)),  # Monday + 4: Friday
    ],
)
def test_working_days_skip_weekends(start, days, expected):
    assert add_working_days(start, days) == expected


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=1, max_value=60)
)
def test_the_result_is_a_working_day_with_exactly_that_many_working_days_in_between(start, days):
    result = add_working_days(start, days)
    assert result.weekday() < 5
    between = [start + timedelta(days=n) for n in range(1, (result - start).days + 1)]
    assert sum(day.weekday() < 5 for day in between) == days


def test_the_day_is_the_shop_days_not_utc():
    # Thursday 23:30 UTC is already Friday 00:30 in Berlin: one working day later is Monday.
    starts_at = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert estimated_ship_date(starts_at=starts_at, production_days=1, tz=BERLIN) == date(2026, 11, 30)


def test_paid_on_a_friday_the_order_shows_the_next_friday(
    customer, customer_client, custom_variant, complete_fitting, time_machine
):
    time_machine.move_to(datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN), tick=False)
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN), tick=False)  # later reads do not move it

    body = customer_client.get(f"/api/v1/orders/{order.number}/").json()

    assert body["status"] == "in_production"
    assert body["production_days"] == 5 and body["estimated_ship_date"] == "2026-12-04"


def test_at_checkout_the_estimate_counts_from_now(
    customer, custom_variant, complete_fitting, time_machine, customer_client
):
    time_machine.move_to(datetime(2026, 11, 28, 11, 0, tzinfo=BERLIN), tick=False)  # a Saturday
    order = custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    body = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert body["status"] == "pending_payment" and body["estimated_ship_date"] == "2026-12-04"


def test_with_an_impression_kit_the_count_starts_when_it_arrives(
    customer, staff_user, customer_client, custom_variant, kit_fitting, time_machine
):
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN), tick=False)
    order = pay(custom_order(user=customer, variant=custom_variant, fitting=kit_fitting))
    assert customer_client.get(f"/api/v1/orders/{order.number}/").json()["estimated_ship_date"] is None

    time_machine.move_to(datetime(2026, 12, 4, 16, 0, tzinfo=BERLIN), tick=False)  # arrives on a Friday
    kit_fitting.refresh_from_db()
    fitting_impression_receive(fitting=kit_fitting, actor=staff_user)

    body = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert body["status"] == "in_production" and body["estimated_ship_date"] == "2026-12-11"


def test_the_promised_production_time_does_not_change_with_the_product(
    customer, customer_client, custom_variant, complete_fitting, time_machine
):
    time_machine.move_to(datetime(2026, 11, 27, 15, 0, tzinfo=BERLIN), tick=False)
    order = paid_custom_order(user=customer, variant=custom_variant, fitting=complete_fitting)
    custom_variant.product.production_days = 20
    custom_variant.product.save()
    assert (
        customer_client.get(f"/api/v1/orders/{order.number}/").json()["estimated_ship_date"] == "2026-12-04"
    )
