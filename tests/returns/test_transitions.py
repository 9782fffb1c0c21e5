"""Every (from, to, role, kind) move of a return or replacement request behaves as written out here."""

import itertools

import pytest

from orders.returns.statuses import ReturnKind, ReturnStatus, return_is_allowed, return_next_statuses
from orders.statuses import Role

R, CUSTOMER, STAFF = ReturnStatus, Role.CUSTOMER, Role.STAFF
BOTH = {ReturnKind.RETURN, ReturnKind.REPLACEMENT, ReturnKind.WITHDRAWAL, ReturnKind.EXCHANGE}  # every kind

# The request's life as docs/policy.md tells it, written out rather than read from the production
# table: (from, to) -> (who may make the move, for which kinds of request). Every other move is refused.
EXPECTED = {
    (R.REQUESTED, R.APPROVED): ({STAFF}, BOTH),
    (R.REQUESTED, R.REJECTED): ({STAFF}, BOTH),
    (R.REQUESTED, R.CANCELLED): ({CUSTOMER}, BOTH),
    (R.REJECTED, R.APPROVED): ({STAFF}, BOTH),  # goodwill
    (R.APPROVED, R.RECEIVED): ({STAFF}, BOTH),
    (R.APPROVED, R.REFUNDED): ({STAFF}, BOTH),  # a replacement that cannot be made is refunded
    (R.APPROVED, R.REPLACEMENT_SHIPPED): ({STAFF}, {ReturnKind.REPLACEMENT}),
    (R.RECEIVED, R.REFUNDED): ({STAFF}, BOTH),
    # An exchange's new item ships only once the units sent back are received.
    (R.RECEIVED, R.REPLACEMENT_SHIPPED): ({STAFF}, {ReturnKind.REPLACEMENT, ReturnKind.EXCHANGE}),
    (R.RECEIVED, R.CLOSED): ({STAFF}, BOTH),  # inspected and kept without a refund
    (R.REFUNDED, R.REFUNDED): ({STAFF}, BOTH),  # a declined refund tried again
    (R.REFUNDED, R.CLOSED): ({STAFF}, BOTH),
    (R.REPLACEMENT_SHIPPED, R.CLOSED): ({STAFF}, BOTH),  # only a replacement or an exchange gets there
}
ALL = list(itertools.product(R.values, R.values, Role.values, ReturnKind.values))


@pytest.mark.parametrize(("from_status", "to_status", "role", "kind"), ALL)
def test_the_return_table_is_the_one_written_here(from_status, to_status, role, kind):
    roles, kinds = EXPECTED.get((from_status, to_status), (set(), set()))
    assert return_is_allowed(from_status, to_status, role, kind) is (role in roles and kind in kinds)


def test_closed_rejected_and_cancelled_are_where_customers_stop():
    for status in (R.CLOSED, R.CANCELLED):
        for kind in ReturnKind.values:
            assert all(return_next_statuses(status, role, kind) == [] for role in Role.values)
    assert return_next_statuses(R.REJECTED, CUSTOMER, ReturnKind.RETURN) == []
