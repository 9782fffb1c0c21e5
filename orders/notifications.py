"""Notifications to customers, queued once the transaction that caused them commits.

Services call these (never the tasks in ``orders.tasks`` directly): a change that rolls back sends
nothing, and the email is sent by a background task, outside the customer's request.
"""

from django.db import transaction

from orders.tasks import NOTIFICATIONS, email_send, order_email, order_email_send


def order_notify_on_commit(*, order_id: int, notification: str) -> None:
    """Send the notification through the task queue once the current transaction commits."""
    if notification not in NOTIFICATIONS:
        return
    transaction.on_commit(lambda: order_email_send.enqueue(order_id=order_id, notification=notification))


def order_placed_notify_on_commit(*, order, lines: list) -> None:
    """Send the "we have your order" email once the checkout commits, rendered from the rows it wrote.

    Checkout holds the order and its lines: rendering them at commit and queueing the finished
    message sends the same email as ``order_email_send`` without reading them back.
    """
    transaction.on_commit(
        lambda: email_send.enqueue(**order_email(order=order, lines=lines, notification="placed"))
    )
