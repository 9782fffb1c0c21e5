"""The pure request rule: which code refuses a request, in which order, and what goodwill lifts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orders.returns import policy
from orders.returns.policy import LineTerms, line_eligibility, request_refusal

BERLIN = ZoneInfo("Europe/Berlin")
DELIVERED = datetime(2026, 6, 10, 12, tzinfo=BERLIN)


def eligibility(*, days_later=1, returnable=True, claimed=0, delivered=DELIVERED, quantity=2):
    terms = LineTerms(quantity=quantity, returnable=returnable, return_days=3, replacement_days=30,
                      delivered_at=delivered, claimed_quantity=claimed)  # fmt: skip
    return line_eligibility(terms=terms, requested_at=DELIVERED + timedelta(days=days_later), tz=BERLIN)


@pytest.mark.parametrize(
    ("kwargs", "kind", "quantity", "goodwill", "expected"),
    [
        ({}, "return", 2, False, None),
        ({}, "return", 3, False, policy.QUANTITY_EXCEEDS_REMAINING),
        ({"claimed": 1}, "replacement", 2, False, policy.QUANTITY_EXCEEDS_REMAINING),
        ({"delivered": None}, "replacement", 1, True, policy.NOT_DELIVERED),
        ({"returnable": False}, "return", 1, False, policy.NOT_RETURNABLE),
        ({"returnable": False}, "replacement", 1, False, None),
        ({"days_later": 5}, "return", 1, False, policy.RETURN_WINDOW_CLOSED),
        ({"days_later": 5}, "return", 1, True, None),
        ({"days_later": 5, "claimed": 2}, "return", 1, True, policy.QUANTITY_EXCEEDS_REMAINING),
        ({"days_later": 40}, "replacement", 1, False, policy.REPLACEMENT_WINDOW_CLOSED),
        ({"days_later": 40, "returnable": False}, "return", 1, False, policy.NOT_RETURNABLE),
    ],
)
def test_request_refusal(kwargs, kind, quantity, goodwill, expected):
    assert (
        request_refusal(eligibility=eligibility(**kwargs), kind=kind, quantity=quantity, goodwill=goodwill)
        == expected
    )
