"""Staff see every right, the refund due date of a withdrawal (flagged once late), record deductions, and
edit the rights table; the pure rules behind them at their edges."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orders.returns import policy
from orders.returns.models import ReturnRequest, StatutoryRight
from tests.returns.test_statutory_rights import DELIVERED, ask, delivered_to, local

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
CHANGELIST = "/admin/returns/returnrequest/"


def test_the_request_page_shows_the_rights_and_flags_a_late_refund(admin_client, customer, customer_client,
                                                                   staff_user):  # fmt: skip
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 10, 9, 0)).status_code == 201
    request = ReturnRequest.objects.get()
    url = f"{CHANGELIST}{request.pk}/change/"

    with time_machine.travel(local(2026, 3, 24, 23, 59, 59, 999999), tick=False):
        page = admin_client.get(url).content.decode()
    assert "Tue 24 Mar, 23:59" in page  # due 14 days after the notice of 10 March
    assert "overdue" not in page
    assert "Withdrawal (law, no reason needed): until Sun 15 Mar 2026, 23:59" in page
    assert "Legal guarantee (law): until Wed 1 Mar 2028, 23:59" in page
    assert "Deduct for diminished value" in page

    with time_machine.travel(local(2026, 3, 25, 0, 0), tick=False):
        assert "(overdue)" in admin_client.get(url).content.decode()
        listed = admin_client.get(f"{CHANGELIST}?refund_due=overdue").content.decode()
    assert f"Request {request.pk}" in listed


def test_staff_record_a_deduction_and_the_refund_step_shows_it(admin_client, customer, customer_client,
                                                               staff_user):  # fmt: skip
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 10, 9, 0)).status_code == 201
    request = ReturnRequest.objects.get()
    line = request.lines.get()
    url = f"{CHANGELIST}{request.pk}/deduct/"
    assert admin_client.get(url).status_code == 200

    refused = admin_client.post(url, {"line": line.pk, "amount": "80.00", "reason": "worn"}, follow=True)
    assert "between 0 and 79.80 EUR" in refused.content.decode()
    admin_client.post(url, {"line": line.pk, "amount": "12.50", "reason": "Heel cups worn down"})
    line.refresh_from_db()
    assert (line.deduction, line.deduction_reason) == (Decimal("12.50"), "Heel cups worn down")
    assert line.deduction_by_id is not None

    admin_client.post(f"{CHANGELIST}{request.pk}/approve/", {"confirm": "1"})
    page = admin_client.get(f"{CHANGELIST}{request.pk}/refund/").content.decode()
    assert "−12.50 EUR" in page
    assert "<strong>72.20 EUR</strong>" in page  # 79.80 + 4.90 delivery - 12.50


def test_staff_edit_the_rights_table(admin_client):
    row = StatutoryRight.objects.get(code="ch")
    url = f"/admin/returns/statutoryright/{row.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {field: getattr(row, field) for field in (
        "code", "name", "withdrawal_counted_from", "withdrawal_basis", "made_to_specification_basis",
        "sealed_hygiene_basis", "refund_basis", "guarantee_remedies", "guarantee_basis", "reject_basis")}  # fmt: skip
    data.update(countries='["ch", "LI"]', withdrawal_days=0, refund_due_days=0, guarantee_months=24,
                reject_days=0)  # fmt: skip
    clash = admin_client.post(url, data)
    assert "Already in another destination: LI." in clash.content.decode()
    data["countries"] = '["ch"]'
    assert admin_client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.countries == ["CH"]


def test_the_seeded_table_cites_its_sources():
    rows = {row.code: row for row in StatutoryRight.objects.all()}
    assert set(rows) == {"eu-eea", "gb", "ch", "us"}
    eu = rows["eu-eea"]
    assert len(eu.countries) == 30 and {"DE", "FR", "NO", "IS", "LI"} <= set(eu.countries)
    assert (eu.withdrawal_days, eu.refund_due_days, eu.guarantee_months, eu.reject_days) == (14, 14, 24, 0)
    assert "Art. 9" in eu.withdrawal_basis and "Art. 13" in eu.refund_basis
    assert "Art. 16(c)" in eu.made_to_specification_basis and "Art. 16(e)" in eu.sealed_hygiene_basis
    assert "2019/771" in eu.guarantee_basis
    gb = rows["gb"]
    assert (gb.withdrawal_days, gb.reject_days) == (14, 30)
    assert "Consumer Rights Act 2015" in gb.reject_basis and "Regulations 2013" in gb.withdrawal_basis
    assert rows["us"].withdrawal_days == 0 and rows["us"].guarantee_months == 0
    assert rows["ch"].withdrawal_days == 0


# --- the pure rules at their edges ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delivered_at", "months", "end"),
    [
        (datetime(2026, 3, 1, 14, 0, tzinfo=BERLIN), 24, datetime(2028, 3, 1, 23, 59, 59, 999999, tzinfo=BERLIN)),
        # the 31st of a month, into a February of 29 days: its last day
        (datetime(2027, 1, 31, 9, 0, tzinfo=BERLIN), 13, datetime(2028, 2, 29, 23, 59, 59, 999999, tzinfo=BERLIN)),
        # 23:30 UTC on 31 December is already 1 January in Berlin
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), 12, datetime(2028, 1, 1, 23, 59, 59, 999999, tzinfo=BERLIN)),
    ],
)  # fmt: skip
def test_a_guarantee_ends_on_the_same_day_of_the_month(delivered_at, months, end):
    assert policy.guarantee_closes_at(delivered_at=delivered_at, months=months, tz=BERLIN) == end


def _terms(**law):
    return policy.LineTerms(quantity=1, returnable=True, return_days=3, replacement_days=30,
                            delivered_at=DELIVERED, law=policy.Law(destination="X", **law))  # fmt: skip


def test_the_longer_window_wins_and_a_tie_goes_to_the_law():
    shorter = policy.effective_windows(terms=_terms(withdrawal_days=2), tz=BERLIN)
    assert [(w.purpose, w.source) for w in shorter] == [("change_of_mind", "promise"), ("fault", "promise")]
    assert shorter[0].deadline == datetime(2026, 3, 4, 23, 59, 59, 999999, tzinfo=BERLIN)
    tie = policy.effective_windows(terms=_terms(withdrawal_days=3, guarantee_months=1), tz=BERLIN)
    assert [(w.purpose, w.source) for w in tie] == [("change_of_mind", "law"), ("fault", "law")]
    assert tie[1].deadline == datetime(2026, 4, 1, 23, 59, 59, 999999, tzinfo=BERLIN)


def test_a_deduction_is_between_zero_and_the_price():
    price = Decimal("39.90")
    assert policy.deduction_refusal(amount=Decimal("39.90"), reason="worn", line_price=price) is None
    assert (
        policy.deduction_refusal(amount=Decimal("39.91"), reason="worn", line_price=price) == "invalid_amount"
    )
    assert (
        policy.deduction_refusal(amount=Decimal("-0.01"), reason="worn", line_price=price) == "invalid_amount"
    )
    assert policy.deduction_refusal(amount=Decimal("0.01"), reason="", line_price=price) == "reason_required"
    assert policy.deduction_refusal(amount=Decimal("0"), reason="", line_price=price) is None


def test_a_refund_is_overdue_from_the_first_instant_after_its_due_date():
    due = datetime(2026, 3, 24, 23, 59, 59, 999999, tzinfo=BERLIN)
    assert not policy.refund_overdue(due_by=due, now=due, settled=False)
    assert policy.refund_overdue(due_by=due, now=due + timedelta(microseconds=1), settled=False)
    assert not policy.refund_overdue(due_by=due, now=due + timedelta(days=9), settled=True)


def test_the_order_page_shows_each_line_s_rights_as_sold(admin_client, customer, staff_user):
    order = delivered_to("GB", staff=staff_user, user=customer)
    with time_machine.travel(local(2026, 3, 2, 9, 0), tick=False):
        page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Withdrawal (law, no reason needed): until Sun 15 Mar 2026, 23:59" in page
    assert "Return (law): until Tue 31 Mar 2026, 23:59" in page
    assert "Consumer Rights Act 2015, ss. 20 and 22" in page
