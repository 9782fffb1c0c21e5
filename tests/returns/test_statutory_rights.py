"""The shop's promise and the law of the shipping country together, at the exact ends of each right.

Orders go through the real checkout with a shipping address in the country under test, so each line
carries what checkout copied onto it. The shop keeps Berlin time (+01:00 until 29 March 2026, +02:00
after). Delivered on Sunday 1 March 2026 at 14:00 in Berlin:

- the shop's return promise (3 days) ends 4 March 23:59:59.999999 +01:00;
- the EU/UK withdrawal (14 days) ends 15 March 23:59:59.999999 +01:00;
- the shop's replacement promise (30 days) and the UK short-term right to reject (30 days) end
  31 March 23:59:59.999999 +02:00;
- the EU legal guarantee (24 months) ends 1 March 2028 23:59:59.999999 +01:00.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from catalogue.choices import ProductKind
from orders.models import Order
from orders.returns.models import ReturnRequest, StatutoryRight
from orders.returns.selectors import return_request_refund_quote
from orders.returns.services import return_line_deduct, return_request_approve, return_request_refund
from orders.services.cart import cart_create, cart_item_add
from orders.services.checkout import order_checkout
from orders.services.orders import order_deliver, order_ship
from orders.statuses import OrderStatus
from shop.exceptions import ApplicationError
from tests.factories import ProductFactory, VariantFactory
from tests.orders.factories import address, pay
from tests.orders.test_checkout_api import add_custom_orthotic, cart_with, checkout

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
TICK = timedelta(microseconds=1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


DELIVERED = local(2026, 3, 1, 14, 0)
RETURN_END = local(2026, 3, 4, 23, 59, 59, 999999)
WITHDRAWAL_END = local(2026, 3, 15, 23, 59, 59, 999999)
REPLACEMENT_END = local(2026, 3, 31, 23, 59, 59, 999999)
GUARANTEE_END = local(2028, 3, 1, 23, 59, 59, 999999)


def delivered_to(country: str, *, staff, user, items=None, delivered_at=DELIVERED) -> Order:
    """Check out ``items`` (default: 2 × a 39.90 insole, shipping 4.90) to ``country``, pay, ship, deliver."""
    items = items or [(VariantFactory(price=Decimal("39.90"), stock=10), 2)]
    with time_machine.travel(delivered_at - timedelta(days=2), tick=False):
        cart = cart_create(user=user)
        for variant, quantity in items:
            cart_item_add(cart=cart, sku=variant.sku, quantity=quantity)
        order = order_checkout(
            cart_token=cart.token,
            email=user.email,
            shipping_address=address(country=country),
            shipping_method="standard",
            user=user,
        ).order
        pay(order)
        order_ship(order=order, actor=staff, carrier="DHL", tracking_number="JJD0001")
    with time_machine.travel(delivered_at, tick=False):
        order_deliver(order=order, actor=staff, delivered_at=delivered_at)
    order.refresh_from_db()
    return order


def ask(client, order, *, kind, reason=None, quantity=None, at):
    lines = [{"line_id": line.pk, "quantity": quantity or line.quantity} for line in order.lines.all()]
    body = {"kind": kind, "lines": lines}
    if reason is not None:
        body["reason"] = reason
    with time_machine.travel(at, tick=False):
        return client.post(f"/api/v1/orders/{order.number}/returns/", body, format="json")


def eligibility(client, order, *, at) -> dict:
    with time_machine.travel(at, tick=False):
        return client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]


def code(response) -> str:
    return response.json()["errors"][0]["code"]


# --- Germany -------------------------------------------------------------------------------------------
def test_germany_withdrawal_without_a_reason_until_the_end_of_day_14(customer, customer_client, staff_user):
    order = delivered_to("DE", staff=staff_user, user=customer)

    late = ask(customer_client, order, kind="withdrawal", at=WITHDRAWAL_END + TICK)
    assert late.status_code == 409 and code(late) == "withdrawal_window_closed"
    response = ask(customer_client, order, kind="withdrawal", at=WITHDRAWAL_END)
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "withdrawal" and response.json()["reason"] == "withdrawal"
    assert response.json()["refund_due_by"] == "2026-03-29T23:59:59.999999+02:00"
    request = ReturnRequest.objects.get()
    assert request.refund_due_by == local(2026, 3, 29, 23, 59, 59, 999999)  # 14 days from the notice
    assert request.window_closes_at == WITHDRAWAL_END


def test_germany_the_promise_still_ends_after_3_days_and_names_withdrawal_as_the_longer_window(
    customer, customer_client, staff_user
):
    order = delivered_to("DE", staff=staff_user, user=customer)
    row = eligibility(customer_client, order, at=RETURN_END)
    assert row["return_deadline"] == "2026-03-04T23:59:59.999999+01:00"
    assert row["withdrawal_deadline"] == "2026-03-15T23:59:59.999999+01:00"
    assert row["replacement_deadline"] == "2026-03-31T23:59:59.999999+02:00"
    assert row["guarantee_deadline"] == "2028-03-01T23:59:59.999999+01:00"
    rights = {(right["kind"], right["source"]): right for right in row["rights"]}
    assert set(rights) == {
        ("return", "promise"),
        ("withdrawal", "law"),
        ("replacement", "promise"),
        ("legal_guarantee", "law"),
    }
    assert rights[("withdrawal", "law")]["reason_required"] is False
    assert rights[("return", "promise")]["reason_required"] is True
    assert "without giving a reason" in rights[("withdrawal", "law")]["basis"]
    assert "Directive 2011/83/EU" in rights[("withdrawal", "law")]["basis"]
    assert "standard delivery" in rights[("withdrawal", "law")]["basis"]
    assert "Directive (EU) 2019/771" in rights[("legal_guarantee", "law")]["basis"]
    assert "24 months" in rights[("legal_guarantee", "law")]["basis"]
    windows = {window["purpose"]: window for window in row["windows"]}
    assert windows["change_of_mind"]["source"] == "law"
    assert windows["change_of_mind"]["deadline"] == "2026-03-15T23:59:59.999999+01:00"
    assert windows["fault"]["source"] == "law"
    assert windows["fault"]["deadline"] == "2028-03-01T23:59:59.999999+01:00"

    assert ask(customer_client, order, kind="return", reason="changed_mind", at=RETURN_END).status_code == 201
    ReturnRequest.objects.all().update(status="cancelled")
    late = ask(customer_client, order, kind="return", reason="changed_mind", at=RETURN_END + TICK)
    assert late.status_code == 409 and code(late) == "return_window_closed"


def test_germany_a_whole_order_withdrawal_refunds_the_outbound_delivery(
    customer, customer_client, staff_user
):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert order.shipping_total == Decimal("4.90")
    assert ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 10, 9, 0)).status_code == 201
    request = ReturnRequest.objects.get()
    quote = return_request_refund_quote(return_request=request)
    assert (quote.items, quote.shipping, quote.total) == (Decimal("79.80"), Decimal("4.90"), Decimal("84.70"))


def test_germany_a_partial_withdrawal_refunds_the_items_only(customer, customer_client, staff_user):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert (
        ask(customer_client, order, kind="withdrawal", quantity=1, at=local(2026, 3, 10, 9, 0)).status_code
        == 201
    )
    quote = return_request_refund_quote(return_request=ReturnRequest.objects.get())
    assert (quote.items, quote.shipping, quote.total) == (Decimal("39.90"), Decimal("0.00"), Decimal("39.90"))


def test_a_return_for_a_change_of_mind_never_refunds_the_delivery(customer, customer_client, staff_user):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="return", reason="changed_mind", at=RETURN_END).status_code == 201
    quote = return_request_refund_quote(return_request=ReturnRequest.objects.get())
    assert (quote.shipping, quote.total) == (Decimal("0.00"), Decimal("79.80"))


def _custom_orthotic_order_to(country, *, api_client, staff_user) -> Order:
    """A custom orthotic bought through the real checkout to ``country``, then marked delivered.

    Production and the lab are left out: the line keeps exactly what checkout copied onto it.
    """
    variant = VariantFactory(
        price=Decimal("250.00"), stock=5, product=ProductFactory(kind=ProductKind.CUSTOM_ORTHOTIC)
    )
    with time_machine.travel(DELIVERED - timedelta(days=20), tick=False):
        token = cart_with(api_client)
        add_custom_orthotic(api_client, token, variant)
        response = checkout(api_client, token, shipping_address=address(country=country))
    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED, delivered_at=DELIVERED)
    order.lines.update(delivered_at=DELIVERED)
    return order


def test_a_custom_orthotic_to_germany_cannot_be_withdrawn_but_a_defect_is_accepted_on_day_200(
    api_client, staff_user
):
    order = _custom_orthotic_order_to("DE", api_client=api_client, staff_user=staff_user)
    email = {"email": order.email}

    def ask_guest(kind, reason, at):
        line = order.lines.get()
        body = {"kind": kind, "lines": [{"line_id": line.pk, "quantity": 1}], **email}
        if reason:
            body["reason"] = reason
        with time_machine.travel(at, tick=False):
            return api_client.post(f"/api/v1/orders/{order.number}/returns/", body, format="json")

    refused = ask_guest("withdrawal", None, local(2026, 3, 2, 10, 0))
    assert refused.status_code == 409 and code(refused) == "not_returnable"
    assert "made to your specification" in refused.json()["errors"][0]["detail"]

    day_200 = local(2026, 9, 17, 12, 0)  # 200 days after 1 March
    assert (
        ask_guest("replacement", "wrong_size", day_200).status_code == 409
    )  # not a fault: the promise ended
    response = ask_guest("replacement", "defective", day_200)
    assert response.status_code == 201, response.json()
    assert ReturnRequest.objects.get(pk=response.json()["id"]).window_closes_at == GUARANTEE_END

    with time_machine.travel(day_200, tick=False):
        row = api_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/", email).json()[0]
    # Made to specification, and its one unit is now in the replacement request.
    assert row["withdrawal_reasons_blocked"] == ["not_returnable", "quantity_exceeds_remaining"]
    withdrawal = next(right for right in row["rights"] if right["kind"] == "withdrawal")
    assert withdrawal["open"] is False and "Art. 16(c)" in withdrawal["basis"]


def test_the_legal_guarantee_ends_with_its_last_day(api_client, staff_user):
    order = _custom_orthotic_order_to("DE", api_client=api_client, staff_user=staff_user)
    line = order.lines.get()
    body = {"kind": "replacement", "lines": [{"line_id": line.pk, "quantity": 1}], "reason": "defective",
            "email": order.email}  # fmt: skip
    with time_machine.travel(GUARANTEE_END + TICK, tick=False):
        late = api_client.post(f"/api/v1/orders/{order.number}/returns/", body, format="json")
    assert late.status_code == 409 and code(late) == "replacement_window_closed"
    with time_machine.travel(GUARANTEE_END, tick=False):
        assert (
            api_client.post(f"/api/v1/orders/{order.number}/returns/", body, format="json").status_code == 201
        )


# --- the United States: the promise, as before -----------------------------------------------------------
def test_the_same_insole_to_the_united_states_keeps_3_and_30_days(customer, customer_client, staff_user):
    order = delivered_to("US", staff=staff_user, user=customer)
    row = eligibility(customer_client, order, at=RETURN_END)
    assert [(right["kind"], right["source"]) for right in row["rights"]] == [
        ("return", "promise"),
        ("replacement", "promise"),
    ]
    assert row["withdrawal_reasons_blocked"] == ["withdrawal_not_available"]
    assert row["guarantee_deadline"] is None

    no_law = ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 2, 9, 0))
    assert no_law.status_code == 409 and code(no_law) == "withdrawal_not_available"
    late = ask(customer_client, order, kind="return", reason="defective", at=RETURN_END + TICK)
    assert late.status_code == 409 and code(late) == "return_window_closed"
    assert ask(customer_client, order, kind="return", reason="changed_mind", at=RETURN_END).status_code == 201
    ReturnRequest.objects.all().update(status="cancelled")
    late = ask(customer_client, order, kind="replacement", reason="defective", at=REPLACEMENT_END + TICK)
    assert late.status_code == 409 and code(late) == "replacement_window_closed"
    assert (
        ask(customer_client, order, kind="replacement", reason="defective", at=REPLACEMENT_END).status_code
        == 201
    )


# --- the United Kingdom ---------------------------------------------------------------------------------
def test_uk_a_fault_on_day_25_is_refunded_in_full(customer, customer_client, staff_user):
    order = delivered_to("GB", staff=staff_user, user=customer)
    response = ask(customer_client, order, kind="return", reason="defective", at=local(2026, 3, 26, 12, 0))
    assert response.status_code == 201, response.json()
    request = ReturnRequest.objects.get()
    assert request.window_closes_at == REPLACEMENT_END  # the 30-day right to reject
    return_request_approve(return_request=request, actor=staff_user)
    return_request_refund(return_request=request, actor=staff_user)
    request.refresh_from_db()
    assert request.status == "refunded"
    # The whole order came back faulty: the price and the delivery.
    assert request.refunds.get().amount == Decimal("84.70")


def test_uk_the_right_to_reject_ends_after_day_30(customer, customer_client, staff_user):
    order = delivered_to("GB", staff=staff_user, user=customer)
    late = ask(customer_client, order, kind="return", reason="defective", at=REPLACEMENT_END + TICK)
    assert late.status_code == 409 and code(late) == "return_window_closed"
    assert (
        ask(customer_client, order, kind="return", reason="defective", at=REPLACEMENT_END).status_code == 201
    )


def test_uk_a_change_of_mind_on_day_12_is_accepted_as_a_withdrawal(customer, customer_client, staff_user):
    order = delivered_to("GB", staff=staff_user, user=customer)
    day_12 = local(2026, 3, 13, 18, 0)
    promise_only = ask(customer_client, order, kind="return", reason="changed_mind", at=day_12)
    assert promise_only.status_code == 409 and code(promise_only) == "return_window_closed"
    response = ask(customer_client, order, kind="withdrawal", at=day_12)
    assert response.status_code == 201, response.json()
    row = eligibility(customer_client, order, at=day_12)
    basis = next(right["basis"] for right in row["rights"] if right["kind"] == "withdrawal")
    assert "Consumer Contracts" in basis and "Regulations 2013" in basis
    reject = next(right for right in row["rights"] if right["kind"] == "return" and right["source"] == "law")
    assert "Consumer Rights Act 2015" in reject["basis"] and reject["reason_required"] is True


# --- placed orders keep their terms ------------------------------------------------------------------------
def test_changing_the_rights_table_or_the_settings_never_changes_placed_orders(
    customer, customer_client, staff_user, settings
):
    order = delivered_to("DE", staff=staff_user, user=customer)
    row = StatutoryRight.objects.get(code="eu-eea")
    row.withdrawal_days = 30
    row.guarantee_months = 36
    row.save()
    settings.SHOP_RETURN_DAYS = 10
    settings.SHOP_SHIPPING_COUNTRIES = ["US"]

    placed = eligibility(customer_client, order, at=RETURN_END)
    assert placed["withdrawal_deadline"] == "2026-03-15T23:59:59.999999+01:00"
    assert placed["guarantee_deadline"] == "2028-03-01T23:59:59.999999+01:00"
    assert placed["return_deadline"] == "2026-03-04T23:59:59.999999+01:00"
    late = ask(customer_client, order, kind="withdrawal", at=WITHDRAWAL_END + TICK)
    assert code(late) == "withdrawal_window_closed"

    settings.SHOP_SHIPPING_COUNTRIES = ["DE", "US"]
    later = delivered_to("DE", staff=staff_user, user=customer)
    row = eligibility(customer_client, later, at=RETURN_END)
    assert row["withdrawal_deadline"] == "2026-03-31T23:59:59.999999+02:00"  # 30 days now
    assert row["guarantee_deadline"] == "2029-03-01T23:59:59.999999+01:00"


def test_checkout_refuses_a_country_the_shop_does_not_ship_to(api_client, settings):
    settings.SHOP_SHIPPING_COUNTRIES = ["DE", "US"]
    token = cart_with(api_client, (VariantFactory(stock=5), 1))
    response = checkout(api_client, token, shipping_address=address(country="JP"))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("country_not_shipped", "shipping_address.country")
    assert "JP" in error["detail"]
    assert Order.objects.count() == 0
    assert checkout(api_client, token, shipping_address=address(country="us")).status_code == 201


# --- withdrawal: deductions, the refund due date, the form ------------------------------------------------
def test_a_deduction_for_diminished_value_needs_a_reason_and_never_exceeds_the_price(
    customer, customer_client, staff_user
):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 10, 9, 0)).status_code == 201
    request = ReturnRequest.objects.get()
    line = request.lines.get()
    with pytest.raises(ApplicationError) as too_much:
        return_line_deduct(return_request=request, line_id=line.pk, amount=Decimal("79.81"), reason="worn",
                           actor=staff_user)  # fmt: skip
    assert too_much.value.code == "invalid_amount"
    with pytest.raises(ApplicationError) as no_reason:
        return_line_deduct(return_request=request, line_id=line.pk, amount=Decimal("5.00"), reason=" ",
                           actor=staff_user)  # fmt: skip
    assert no_reason.value.code == "reason_required"

    return_line_deduct(return_request=request, line_id=line.pk, amount=Decimal("79.80"),
                       reason="Worn for weeks, soles marked", actor=staff_user)  # fmt: skip
    quote = return_request_refund_quote(return_request=request)
    assert (quote.deductions, quote.total) == (Decimal("79.80"), Decimal("4.90"))
    return_line_deduct(return_request=request, line_id=line.pk, amount=Decimal("10.00"),
                       reason="Insoles trimmed", actor=staff_user)  # fmt: skip
    assert return_request_refund_quote(return_request=request).total == Decimal("74.70")


def test_a_return_request_cannot_carry_a_deduction(customer, customer_client, staff_user):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="return", reason="changed_mind", at=RETURN_END).status_code == 201
    request = ReturnRequest.objects.get()
    with pytest.raises(ApplicationError) as refused:
        return_line_deduct(return_request=request, line_id=request.lines.get().pk, amount=Decimal("1.00"),
                           reason="worn", actor=staff_user)  # fmt: skip
    assert refused.value.code == "invalid_transition"


def test_the_model_withdrawal_form_is_public(api_client, settings):
    settings.SHOP_TRADER_ADDRESS = "Fussform GmbH, Torstraße 5, 10119 Berlin"
    settings.SHOP_TRADER_EMAIL = "widerruf@example.com"
    response = api_client.get("/api/v1/returns/withdrawal-form/")
    assert response.status_code == 200
    body = response.json()
    assert "To: Fussform GmbH, Torstraße 5, 10119 Berlin, email widerruf@example.com" in body["text"]
    assert "withdraw from my/our (*) contract" in body["text"]
    assert "Ordered on (*) / received on (*)" in body["text"]
    assert "Annex I(B)" in body["basis"]


# --- information duties ----------------------------------------------------------------------------------
def test_the_confirmation_email_and_the_order_api_state_the_rights_of_a_german_order(
    customer, customer_client, staff_user, django_capture_on_commit_callbacks
):
    variant = VariantFactory(price=Decimal("39.90"), stock=5, product__name="Everyday Insole")
    with django_capture_on_commit_callbacks(execute=True):
        token = cart_with(customer_client, (variant, 1))
        response = checkout(customer_client, token, email=customer.email)
    assert response.status_code == 201
    kinds = [(right["kind"], right["source"]) for right in response.json()["rights"]]
    assert kinds == [("return", "promise"), ("withdrawal", "law"), ("replacement", "promise"),
                     ("legal_guarantee", "law")]  # fmt: skip
    body = mail.outbox[-1].body
    assert "Your rights on this order" in body
    assert "you may withdraw from the purchase within 14 days of delivery without giving a reason" in body
    assert "Model withdrawal form" in body
    assert "covered for 24 months from delivery" in body
    number = response.json()["number"]
    again = customer_client.get(f"/api/v1/orders/{number}/").json()
    assert again["rights"] == response.json()["rights"]


def test_an_american_confirmation_states_the_promise_and_no_withdrawal(
    customer, customer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        token = cart_with(customer_client, (VariantFactory(stock=5), 1))
        response = checkout(
            customer_client, token, email=customer.email, shipping_address=address(country="US")
        )
    assert response.status_code == 201
    body = mail.outbox[-1].body
    assert "The shop's promise: send it back within 3 days of delivery" in body
    assert "withdraw" not in body.lower()


def test_a_sealed_hygiene_product_says_the_right_ends_with_the_seal(customer, customer_client, staff_user):
    variant = VariantFactory(price=Decimal("9.90"), stock=5, product=ProductFactory(sealed_hygiene=True))
    order = delivered_to("DE", staff=staff_user, user=customer, items=[(variant, 1)])
    row = eligibility(customer_client, order, at=local(2026, 3, 2, 9, 0))
    basis = next(right["basis"] for right in row["rights"] if right["kind"] == "withdrawal")
    assert "broken the hygiene seal" in basis and "Art. 16(e)" in basis


def test_an_approved_withdrawal_asks_for_the_items_back_not_a_replacement(
    customer, customer_client, staff_user, django_capture_on_commit_callbacks
):
    order = delivered_to("DE", staff=staff_user, user=customer)
    assert ask(customer_client, order, kind="withdrawal", at=local(2026, 3, 10, 9, 0)).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        return_request_approve(return_request=ReturnRequest.objects.get(), actor=staff_user)
    body = mail.outbox[-1].body
    assert "Please send the items back within 14 days" in body
    assert "replacement" not in body
