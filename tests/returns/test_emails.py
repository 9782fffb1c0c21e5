"""Each step emails the customer (text and HTML), only after the transaction commits."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from catalogue.choices import ProductKind
from orders.fittings.services import fitting_create, fitting_impression_receive
from orders.returns import services as returns
from orders.returns.notifications import RETURN_NOTIFICATIONS, return_email_send
from orders.returns.selectors import replacement_windows
from tests.factories import ProductFactory, VariantFactory, consents_give
from tests.fittings.conftest import make_assessment
from tests.fittings.helpers import paid_custom_order
from tests.returns.helpers import delivered, request_for

pytestmark = pytest.mark.django_db


def test_each_step_sends_an_email_after_commit(customer, staff_user, django_capture_on_commit_callbacks):
    order = delivered(staff=staff_user, user=customer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = request_for(order)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing is sent inside the transaction
    callbacks[0]()
    steps = [
        lambda: returns.return_request_approve(return_request=request, actor=staff_user),
        lambda: returns.return_request_receive(return_request=request, actor=staff_user),
        lambda: returns.return_request_refund(return_request=request, actor=staff_user),
        lambda: returns.return_request_close(return_request=request, actor=staff_user),
    ]
    for run in steps:
        with django_capture_on_commit_callbacks(execute=True):
            run()
    n = request.pk
    assert [m.subject for m in mail.outbox] == [
        f"We have your request {n} for order {order.number}",
        f"Your request {n} for order {order.number} is approved",
        f"We have received the items of request {n}",
        f"Your refund for request {n} is on its way",
        f"Request {n} for order {order.number} is closed",
    ]
    for message in mail.outbox:
        assert message.to == [order.email] and order.number in message.body
        assert message.alternatives[0][1] == "text/html"
    assert "79.80 EUR" in mail.outbox[3].body


def test_the_rejection_email_gives_the_reason_and_a_rollback_sends_nothing(
    customer, staff_user, django_capture_on_commit_callbacks
):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                returns.return_request_approve(return_request=request, actor=staff_user)
                raise RuntimeError("crash after the change")
        except RuntimeError:
            pass
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_request_reject(return_request=request, actor=staff_user, reason="Used for weeks")
    assert "Used for weeks" in mail.outbox[-1].body and "Used for weeks" in mail.outbox[-1].alternatives[0][0]


def test_every_notification_renders_in_text_and_html(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    request = request_for(order, kind="replacement", reason="wrong_size")
    returns.return_request_approve(return_request=request, actor=staff_user)
    returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="JJD5"
    )
    mail.outbox.clear()
    for notification in RETURN_NOTIFICATIONS:
        return_email_send.call(
            return_request_id=request.pk, notification=notification, key=f"test:{notification}"
        )
    assert len(mail.outbox) == len(RETURN_NOTIFICATIONS)
    shipped = mail.outbox[list(RETURN_NOTIFICATIONS).index("replacement_shipped")]
    assert request.replacement_order.number in shipped.body and "JJD5" in shipped.body
    assert all("{{" not in m.body and "{%" not in m.alternatives[0][0] for m in mail.outbox)


def test_the_production_email_promises_the_remake_window_the_line_was_sold_with(
    customer, staff_user, django_capture_on_commit_callbacks
):
    product = ProductFactory(kind=ProductKind.CUSTOM_ORTHOTIC, replacement_days=45, production_days=5)
    variant = VariantFactory(product=product, price=Decimal("249.00"), stock=5)
    consents_give(customer)
    fitting = fitting_create(
        owner=customer, assessment_id=make_assessment(customer).pk, shoe_type="casual", impression_kit=True
    )
    order = paid_custom_order(user=customer, variant=variant, fitting=fitting)
    assert order.lines.get().replacement_days == 45
    product.replacement_days = 60  # a later change of the product's promise does not touch this order
    product.save()
    fitting.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fitting_impression_receive(fitting=fitting, actor=staff_user)
    message = mail.outbox[-1]
    assert message.subject == f"Order {order.number} is being made"
    assert "if they do not fit, we remake them within 45 days of delivery." in " ".join(message.body.split())
    assert "we remake them within 45 days of delivery." in message.alternatives[0][0]
    assert "30 days" not in message.body and "60 days" not in message.body


def test_a_delivered_lines_replacement_window_closes_on_its_own_deadline(customer, staff_user):
    variant = VariantFactory(product=ProductFactory(replacement_days=45), price=Decimal("39.90"), stock=5)
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False):  # 11:00 in Berlin
        order = delivered(staff=staff_user, user=customer, items=[(variant, 1)])
    [window] = replacement_windows(lines=list(order.lines.all()))
    assert window.days == 45
    assert window.closes_at == datetime(2026, 4, 16, 23, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Berlin"))
