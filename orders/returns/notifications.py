"""The customer's emails about a return or replacement request, sent through the task queue after commit."""

from django.db import transaction
from django_tasks import task

from orders.returns.models import ReturnRequest
from orders.tasks import _send

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
def return_email_send(*, return_request_id: int, notification: str) -> None:
    """Render and send one notification email about a return or replacement request."""
    request = (
        ReturnRequest.objects.select_related("order", "replacement_order")
        .prefetch_related("lines__order_line", "refunds")
        .get(pk=return_request_id)
    )
    order = request.order
    context = {"request": request, "order": order, "lines": list(request.lines.all())}
    subject = RETURN_NOTIFICATIONS[notification].format(id=request.pk, number=order.number)
    _send(to=order.email, subject=subject, template=f"emails/return_{notification}", context=context)


def return_notify_on_commit(*, return_request_id: int, notification: str) -> None:
    """Email the customer about the request once the current transaction commits."""
    if notification not in RETURN_NOTIFICATIONS:
        return
    transaction.on_commit(
        lambda: return_email_send.enqueue(return_request_id=return_request_id, notification=notification)
    )
