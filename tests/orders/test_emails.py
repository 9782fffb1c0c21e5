import pytest
from django.core import mail
from django.db import transaction

from orders.services.orders import order_cancel, order_deliver, order_ship
from tests.orders.factories import pay, place_order

pytestmark = pytest.mark.django_db


def test_each_step_sends_a_text_and_html_email_after_commit(staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="JJD77")
    with django_capture_on_commit_callbacks(execute=True):
        order_deliver(order=order, actor=staff_user)

    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        f"We have your order {order.number}",
        f"Payment received for order {order.number}",
        f"Order {order.number} is on its way",
        f"Order {order.number} has been delivered",
    ]
    for message in mail.outbox:
        assert message.to == ["ada@example.com"]
        assert order.number in message.body and "Hello Ada" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and order.number in html
    assert "JJD77" in mail.outbox[2].body


def test_the_cancelled_email_names_the_reason(staff_user, django_capture_on_commit_callbacks):
    order = place_order()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=staff_user, role="staff", reason="Address undeliverable")
    assert mail.outbox[-1].subject == f"Order {order.number} has been cancelled"
    assert "Address undeliverable" in mail.outbox[-1].body


def test_no_email_when_the_transaction_rolls_back(staff_user, django_capture_on_commit_callbacks):
    order = pay(place_order())
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                order_ship(order=order, actor=staff_user, carrier="DHL", tracking_number="1")
                raise RuntimeError("the warehouse system crashed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    order.refresh_from_db()
    assert order.status == "paid"
