"""The windows through the API, with a controlled clock in a shop time zone that has daylight saving.

Berlin moves its clocks on 2026-03-29 (+01:00 -> +02:00) and 2026-10-25 (+02:00 -> +01:00).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.returns.helpers import delivered

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
ONE_MICROSECOND = timedelta(microseconds=1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def ask(client, order, line, *, kind, reason):
    body = {"kind": kind, "lines": [{"line_id": line.pk, "quantity": 1}], "reason": reason}
    return client.post(f"/api/v1/orders/{order.number}/returns/", body, format="json")


@pytest.mark.parametrize(
    ("delivered_at", "return_end", "replacement_end"),
    [
        # just after local midnight, three days before the spring change: the window ends at local midnight
        (local(2026, 3, 26, 0, 0, 0, 1), local(2026, 3, 29, 23, 59, 59, 999999), local(2026, 4, 25, 23, 59, 59, 999999)),
        # just before local midnight, the same day: the same deadlines
        (local(2026, 3, 26, 23, 59, 59, 999999), local(2026, 3, 29, 23, 59, 59, 999999),
         local(2026, 4, 25, 23, 59, 59, 999999)),
        # across the autumn change
        (local(2026, 10, 23, 0, 0, 0, 1), local(2026, 10, 26, 23, 59, 59, 999999),
         local(2026, 11, 22, 23, 59, 59, 999999)),
        (local(2026, 10, 23, 23, 59, 59, 999999), local(2026, 10, 26, 23, 59, 59, 999999),
         local(2026, 11, 22, 23, 59, 59, 999999)),
    ],
)  # fmt: skip
def test_the_last_microsecond_of_day_3_and_day_30_is_accepted_and_the_next_refused(
    customer, customer_client, staff_user, delivered_at, return_end, replacement_end
):
    with time_machine.travel(delivered_at, tick=False):
        order = delivered(staff=staff_user, user=customer, delivered_at=delivered_at)
    line = order.lines.get()

    with time_machine.travel(return_end, tick=False):
        eligibility = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
        assert datetime.fromisoformat(eligibility["return_deadline"]) == return_end
        assert datetime.fromisoformat(eligibility["replacement_deadline"]) == replacement_end
        assert eligibility["return_deadline"] == return_end.isoformat()  # in the shop's local offset
        assert ask(customer_client, order, line, kind="return", reason="changed_mind").status_code == 201
    with time_machine.travel(return_end + ONE_MICROSECOND, tick=False):
        response = ask(customer_client, order, line, kind="return", reason="changed_mind")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "return_window_closed"

    with time_machine.travel(replacement_end, tick=False):
        response = ask(customer_client, order, line, kind="replacement", reason="wrong_size")
        assert response.status_code == 201
        # the customer cancels it: the unit is free again for the next attempt
        assert customer_client.post(f"/api/v1/returns/{response.json()['id']}/cancel/").status_code == 200
    with time_machine.travel(replacement_end + ONE_MICROSECOND, tick=False):
        response = ask(customer_client, order, line, kind="replacement", reason="wrong_size")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "replacement_window_closed"


def test_a_window_across_the_spring_change_ends_at_local_midnight_not_an_hour_off(
    customer, customer_client, staff_user
):
    """Delivered 28 March 12:00 (+01:00); day 3 is 31 March, in summer time: it ends 23:59:59.999999+02:00."""
    delivered_at = local(2026, 3, 28, 12, 0)
    with time_machine.travel(delivered_at, tick=False):
        order = delivered(staff=staff_user, user=customer, delivered_at=delivered_at)
    with time_machine.travel(delivered_at, tick=False):
        row = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
    assert row["return_deadline"] == "2026-03-31T23:59:59.999999+02:00"
    assert row["replacement_deadline"] == "2026-04-27T23:59:59.999999+02:00"
    # 21:59:59.999999 UTC is local midnight minus a microsecond in summer time; an hour earlier in UTC terms
    # than the same wall-clock time would be in winter.
    with time_machine.travel(datetime.fromisoformat("2026-03-31T21:59:59.999999+00:00"), tick=False):
        assert (
            ask(customer_client, order, order.lines.get(), kind="return", reason="changed_mind").status_code
            == 201
        )
    with time_machine.travel(datetime.fromisoformat("2026-03-31T22:00:00+00:00"), tick=False):
        response = ask(customer_client, order, order.lines.get(), kind="return", reason="changed_mind")
    assert response.json()["errors"][0]["code"] == "return_window_closed"
