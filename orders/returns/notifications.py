"""The customer's emails about a return or replacement request, queued with the change's transaction.

Each is sent once per status change (its key), by a worker (``orders.tasks``, ``shop.queue``).
"""

from django_tasks import task

from orders.returns.models import ReturnRequest
from orders.tasks import _send
from shop.queue import enqueue_on_commit

RETURN_NOTIFICATIONS = {
    "requested": "We have your request {id} for order {number}",
    "approved": "Your request {id} for order {number} is approved",
    "rejected": "Your request {id} for order {number} was not accepted",
    "received": "We have received the items of request {id}",
    "refunded": "Your refund for request {id} is on its way",
    "replacement_shipped": "Your replacement for order {number} is on its way",
    "closed": "Request {id} for order {number} is closed",
    "cancelled": "Request {id} for order {number} is cancelled",
}


@task()
def return_email_send(*, return_request_id: int, notification: str, key: str) -> bool:
    """Render and send one notification email about a return or replacement request."""
    request = (
        ReturnRequest.objects.select_related("order", "replacement_order")
        .prefetch_related("lines__order_line", "refunds")
        .get(pk=return_request_id)
    )
    order = request.order
    context = {"request": request, "order": order, "lines": list(request.lines.all())}
    subject = RETURN_NOTIFICATIONS[notification].format(id=request.pk, number=order.number)
    return _send(
        key=key, to=order.email, subject=subject, template=f"emails/return_{notification}", context=context
    )


def return_notify_on_commit(*, return_request_id: int, notification: str, change_id: int) -> None:
    """Email the customer about the request's status change ``change_id``, with the current transaction."""
    if notification not in RETURN_NOTIFICATIONS:
        return
    enqueue_on_commit(
        return_email_send,
        return_request_id=return_request_id,
        notification=notification,
        key=f"return:{return_request_id}:{notification}:{change_id}",
    )
