"""Each step emails the customer (text and HTML), only after the transaction commits."""

import pytest
from django.core import mail
from django.db import transaction

from orders.services import returns
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
    from orders.tasks import RETURN_NOTIFICATIONS, return_email_send

    order = delivered(staff=staff_user, user=customer)
    request = request_for(order, kind="replacement", reason="wrong_size")
    returns.return_request_approve(return_request=request, actor=staff_user)
    returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="JJD5"
    )
    mail.outbox.clear()
    for notification in RETURN_NOTIFICATIONS:
        return_email_send.call(return_request_id=request.pk, notification=notification)
    assert len(mail.outbox) == len(RETURN_NOTIFICATIONS)
    shipped = mail.outbox[list(RETURN_NOTIFICATIONS).index("replacement_shipped")]
    assert request.replacement_order.number in shipped.body and "JJD5" in shipped.body
    assert all("{{" not in m.body and "{%" not in m.alternatives[0][0] for m in mail.outbox)
