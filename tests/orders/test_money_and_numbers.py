from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.models import NUMBER_ALPHABET, NUMBER_LENGTH, new_order_number
from orders.payments.interface import from_minor_units, to_minor_units
from tests.orders.factories import place_order


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_two_place_amounts_survive_the_trip_to_minor_units_and_back(amount):
    assert from_minor_units(to_minor_units(amount, "EUR"), "EUR") == amount


@given(st.integers(min_value=0, max_value=10**11))
def test_a_half_cent_always_rounds_up(cents):
    assert to_minor_units(Decimal(cents) / 100 + Decimal("0.005"), "eur") == cents + 1


def test_order_numbers_are_short_and_readable():
    numbers = {new_order_number() for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(len(n) == NUMBER_LENGTH and set(n) <= set(NUMBER_ALPHABET) for n in numbers)


@pytest.mark.django_db
def test_the_same_idempotency_key_on_another_cart_is_another_order():
    first = place_order(key="same-key")
    second = place_order(key="same-key")
    assert first.number != second.number
