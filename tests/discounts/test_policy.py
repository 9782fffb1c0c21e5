"""The discount rules as plain values: which lines, how much, spread to the cent, and units paid."""

from datetime import UTC, datetime
from decimal import Decimal

from orders.discounts import policy

D = Decimal
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def line(key, total, *, kind="insole", product=1, category=1):
    return policy.BasketLine(
        key=key, product_id=product, category_id=category, kind=kind, line_total=D(total)
    )


def test_a_fixed_ten_off_three_lines_of_9_99_is_3_33_3_33_3_34():
    terms = policy.Terms(kind="fixed", value=D("10.00"))
    discount = policy.discount_compute(terms=terms, lines=[line(1, "9.99"), line(2, "9.99"), line(3, "9.99")])
    assert discount.amount == D("10.00")
    assert sorted(discount.per_line.values()) == [D("3.33"), D("3.33"), D("3.34")]


def test_twenty_percent_of_150_and_60_is_30_and_12():
    terms = policy.Terms(kind="percent", value=D("20"))
    discount = policy.discount_compute(terms=terms, lines=[line(1, "150.00"), line(2, "60.00")])
    assert discount.amount == D("42.00")
    assert discount.per_line == {1: D("30.00"), 2: D("12.00")}


def test_a_fixed_amount_never_exceeds_the_eligible_goods():
    terms = policy.Terms(kind="fixed", value=D("50.00"))
    assert policy.discount_compute(terms=terms, lines=[line(1, "12.50")]).amount == D("12.50")


def test_custom_orthotics_are_left_out_unless_the_code_says_so():
    lines = [line(1, "100.00"), line(2, "250.00", kind="custom_orthotic")]
    plain = policy.Terms(kind="percent", value=D("10"))
    assert policy.discount_compute(terms=plain, lines=lines).per_line == {1: D("10.00")}
    custom = policy.Terms(kind="percent", value=D("10"), includes_custom_orthotics=True)
    assert policy.discount_compute(terms=custom, lines=lines).per_line == {1: D("10.00"), 2: D("25.00")}
    only_custom = [line(2, "250.00", kind="custom_orthotic")]
    assert policy.discount_refusal(terms=plain, lines=only_custom, now=NOW) == "discount_not_applicable"


def test_products_and_categories_limit_the_lines():
    terms = policy.Terms(
        kind="percent", value=D("50"), product_ids=frozenset({7}), category_ids=frozenset({3})
    )
    lines = [
        line(1, "10.00", product=7),
        line(2, "20.00", category=3),
        line(3, "40.00", product=8, category=4),
    ]
    assert policy.discount_compute(terms=terms, lines=lines).per_line == {1: D("5.00"), 2: D("10.00")}
    kinds = policy.Terms(kind="percent", value=D("50"), product_kinds=frozenset({"accessory"}))
    assert policy.discount_refusal(terms=kinds, lines=lines, now=NOW) == "discount_not_applicable"


def test_the_validity_is_inclusive_at_both_ends():
    terms = policy.Terms(kind="percent", value=D("10"), valid_from=NOW, valid_until=NOW)
    lines = [line(1, "10.00")]
    assert policy.discount_refusal(terms=terms, lines=lines, now=NOW) is None
    before = datetime(2026, 6, 1, 11, 59, 59, 999999, tzinfo=UTC)
    after = datetime(2026, 6, 1, 12, 0, 0, 1, tzinfo=UTC)
    assert policy.discount_refusal(terms=terms, lines=lines, now=before) == "discount_not_started"
    assert policy.discount_refusal(terms=terms, lines=lines, now=after) == "discount_expired"


def test_the_minimum_is_reached_at_exactly_its_amount():
    terms = policy.Terms(kind="percent", value=D("10"), minimum_subtotal=D("300.00"))
    assert policy.discount_refusal(terms=terms, lines=[line(1, "300.00")], now=NOW) is None
    assert (
        policy.discount_refusal(terms=terms, lines=[line(1, "299.99")], now=NOW) == "discount_minimum_not_met"
    )


def test_a_used_up_or_inactive_code_is_refused():
    lines = [line(1, "10.00")]
    used_up = policy.Terms(kind="percent", value=D("10"), usage_limit=10, times_used=10)
    assert policy.discount_refusal(terms=used_up, lines=lines, now=NOW) == "discount_used_up"
    nine = policy.Terms(kind="percent", value=D("10"), usage_limit=10, times_used=9)
    assert policy.discount_refusal(terms=nine, lines=lines, now=NOW) is None
    inactive = policy.Terms(kind="percent", value=D("10"), is_active=False)
    assert policy.discount_refusal(terms=inactive, lines=lines, now=NOW) == "discount_inactive"


def test_units_paid_add_up_to_what_the_line_paid_however_they_come_back():
    # 10.01 paid for 3 units: one at a time, the last unit takes what is left.
    assert policy.units_paid(paid_total=D("10.01"), quantity=3, units=1) == D("3.34")
    assert policy.units_paid(paid_total=D("10.01"), quantity=3, units=1, earlier=1) == D("3.33")
    assert policy.units_paid(paid_total=D("10.01"), quantity=3, units=1, earlier=2) == D("3.34")
    assert policy.units_paid(paid_total=D("10.01"), quantity=3, units=3) == D("10.01")
    # 6 × 50.00 less 10 %: 270.00; five units are 225.00, the sixth 45.00.
    assert policy.units_paid(paid_total=D("270.00"), quantity=6, units=5) == D("225.00")
    assert policy.units_paid(paid_total=D("270.00"), quantity=6, units=1, earlier=5) == D("45.00")
    # Never more units than are left on the line.
    assert policy.units_paid(paid_total=D("270.00"), quantity=6, units=3, earlier=5) == D("45.00")
