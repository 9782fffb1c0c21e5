"""Notifications to customers, queued with the transaction that caused them.

Services call these (never the tasks in ``orders.tasks`` directly): with the database queue the task
row is written in the change's transaction, otherwise the task is enqueued after commit; either way a
change that rolls back sends nothing, and the email is sent by a worker, outside the customer's request.
Each email's key names the notification and the status change it is about, so it is sent once.
"""

from orders.tasks import NOTIFICATIONS, email_send, order_email, order_email_send
from shop.queue import enqueue_on_commit


def email_queue(*, key: str, to: str, subject: str, body: str, html: str) -> None:
    """Queue a rendered email, sent once per ``key``, with the current transaction."""
    enqueue_on_commit(email_send, key=key, to=to, subject=subject, body=body, html=html)


def order_notify_on_commit(*, order_id: int, notification: str, change_id: int) -> None:
    """Queue the notification about the order's status change ``change_id`` with the current transaction."""
    if notification not in NOTIFICATIONS:
        return
    enqueue_on_commit(
        order_email_send,
        order_id=order_id,
        notification=notification,
        key=f"order:{order_id}:{notification}:{change_id}",
    )


def order_placed_notify_on_commit(*, order, lines: list, change_id: int) -> None:
    """Queue the "we have your order" email with the checkout's transaction, rendered from the rows it wrote.

    Checkout holds the order and its lines: rendering them now and queueing the finished message sends
    the same email as ``order_email_send`` without reading them back.
    """
    email_queue(
        key=f"order:{order.pk}:placed:{change_id}",
        **order_email(order=order, lines=lines, notification="placed"),
    )
