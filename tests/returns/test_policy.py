"""The 3-day return and 30-day replacement windows, pinned at their exact boundaries (no database)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.returns import policy
from orders.returns.policy import LineTerms, line_eligibility, window_closes_at

BERLIN = ZoneInfo("Europe/Berlin")  # has daylight saving: +01:00 in winter, +02:00 in summer
ONE_MICROSECOND = timedelta(microseconds=1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def terms(delivered_at, **overrides) -> LineTerms:
    values = {
        "quantity": 2,
        "returnable": True,
        "return_days": 3,
        "replacement_days": 30,
        "delivered_at": delivered_at,
    }
    return LineTerms(**{**values, **overrides})


def test_the_specs_example():
    """Delivered 2026-03-01 14:00 local: returns until 03-04 23:59:59.999999, replacements until 03-31."""
    delivered = local(2026, 3, 1, 14, 0)
    assert window_closes_at(delivered_at=delivered, days=3, tz=BERLIN) == local(
        2026, 3, 4, 23, 59, 59, 999999
    )
    assert window_closes_at(delivered_at=delivered, days=30, tz=BERLIN) == local(
        2026, 3, 31, 23, 59, 59, 999999
    )


@pytest.mark.parametrize(
    ("delivered", "return_end", "replacement_end"),
    [
        # just after local midnight: the whole delivery day counts as day 0
        (
            local(2026, 6, 10, 0, 0, 0, 1),
            local(2026, 6, 13, 23, 59, 59, 999999),
            local(2026, 7, 10, 23, 59, 59, 999999),
        ),
        # just before local midnight: still the same delivery day
        (
            local(2026, 6, 10, 23, 59, 59),
            local(2026, 6, 13, 23, 59, 59, 999999),
            local(2026, 7, 10, 23, 59, 59, 999999),
        ),
    ],
)
def test_last_microsecond_is_accepted_and_the_next_refused(delivered, return_end, replacement_end):
    line = terms(delivered)
    on_time = line_eligibility(terms=line, requested_at=return_end, tz=BERLIN)
    late = line_eligibility(terms=line, requested_at=return_end + ONE_MICROSECOND, tz=BERLIN)
    assert on_time.returnable_quantity == 2 and on_time.return_reasons_blocked == ()
    assert late.returnable_quantity == 0 and late.return_reasons_blocked == (policy.RETURN_WINDOW_CLOSED,)
    assert late.replaceable_quantity == 2  # the replacement window is still open

    on_time = line_eligibility(terms=line, requested_at=replacement_end, tz=BERLIN)
    late = line_eligibility(terms=line, requested_at=replacement_end + ONE_MICROSECOND, tz=BERLIN)
    assert on_time.replaceable_quantity == 2
    assert late.replaceable_quantity == 0
    assert late.replacement_reasons_blocked == (policy.REPLACEMENT_WINDOW_CLOSED,)


def test_delivery_late_in_the_evening_utc_is_the_next_local_day():
    """23:30 UTC on 10 June is 01:30 on 11 June in Berlin: the window counts from the 11th."""
    delivered = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    assert window_closes_at(delivered_at=delivered, days=3, tz=BERLIN) == local(
        2026, 6, 14, 23, 59, 59, 999999
    )


@pytest.mark.parametrize(
    ("delivered", "days", "end_utc"),
    [
        # Spring forward on 2026-03-29: delivered in winter time (+01:00), window ends in summer time (+02:00).
        (local(2026, 3, 27, 12, 0), 3, datetime(2026, 3, 30, 21, 59, 59, 999999, tzinfo=UTC)),
        # Fall back on 2026-10-25: delivered in summer time, window ends in winter time.
        (local(2026, 10, 23, 12, 0), 3, datetime(2026, 10, 26, 22, 59, 59, 999999, tzinfo=UTC)),
        (local(2026, 10, 1, 9, 0), 30, datetime(2026, 10, 31, 22, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_a_window_across_a_daylight_saving_change_ends_at_local_midnight(delivered, days, end_utc):
    closes = window_closes_at(delivered_at=delivered, days=days, tz=BERLIN)
    assert closes == end_utc
    assert (closes + ONE_MICROSECOND).astimezone(BERLIN).time().isoformat() == "00:00:00"


def test_nothing_before_delivery():
    result = line_eligibility(terms=terms(None), requested_at=local(2026, 1, 1), tz=BERLIN)
    assert result.returnable_quantity == result.replaceable_quantity == result.delivered_quantity == 0
    assert result.return_reasons_blocked == result.replacement_reasons_blocked == (policy.NOT_DELIVERED,)
    assert result.return_deadline is None and result.replacement_deadline is None


def test_non_returnable_line_can_still_be_replaced():
    delivered = local(2026, 5, 1, 10, 0)
    result = line_eligibility(terms=terms(delivered, returnable=False), requested_at=delivered, tz=BERLIN)
    assert result.return_reasons_blocked == (policy.NOT_RETURNABLE,)
    assert result.return_deadline is None
    assert result.replaceable_quantity == 2


def test_claimed_units_reduce_what_remains_for_both_kinds():
    delivered = local(2026, 5, 1, 10, 0)
    partly = line_eligibility(
        terms=terms(delivered, quantity=3, claimed_quantity=2), requested_at=delivered, tz=BERLIN
    )
    assert partly.returnable_quantity == partly.replaceable_quantity == 1
    fully = line_eligibility(
        terms=terms(delivered, quantity=3, claimed_quantity=3), requested_at=delivered, tz=BERLIN
    )
    assert fully.returnable_quantity == fully.replaceable_quantity == 0
    assert policy.QUANTITY_EXCEEDS_REMAINING in fully.return_reasons_blocked
    assert policy.QUANTITY_EXCEEDS_REMAINING in fully.replacement_reasons_blocked


def test_product_overrides_change_the_window():
    delivered = local(2026, 5, 1, 10, 0)
    line = terms(delivered, return_days=14)
    assert (
        line_eligibility(terms=line, requested_at=local(2026, 5, 15, 23, 0), tz=BERLIN).returnable_quantity
        == 2
    )
    assert (
        line_eligibility(terms=line, requested_at=local(2026, 5, 16, 0, 0), tz=BERLIN).returnable_quantity
        == 0
    )


def test_naive_delivery_times_are_refused():
    with pytest.raises(ValueError):
        window_closes_at(delivered_at=datetime(2026, 1, 1, 12), days=3, tz=BERLIN)


@given(
    delivered=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=400),
)
def test_every_window_ends_on_the_last_microsecond_of_a_local_day(delivered, days):
    """Whatever the delivery time and length: the end is local 23:59:59.999999, N local days later."""
    closes = window_closes_at(delivered_at=delivered, days=days, tz=BERLIN)
    closes_local = closes.astimezone(BERLIN)
    assert closes_local.time().isoformat() == "23:59:59.999999"
    assert (closes_local.date() - delivered.astimezone(BERLIN).date()).days == days
    assert closes > delivered
