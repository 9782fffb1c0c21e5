"""Background tasks (django-tasks API): customer emails and the expiry sweep.

Enqueue emails only from ``transaction.on_commit`` (see ``order_notify_on_commit``), so a rolled-back
change never sends mail.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

NOTIFICATIONS = {
    "placed": "We have your order {number}",
    "paid": "Payment received for order {number}",
    "awaiting_impression": "Order {number}: your impression kit is on its way",
    "in_production": "Order {number} is being made",
    "shipped": "Order {number} is on its way",
    "delivered": "Order {number} has been delivered",
    "cancelled": "Order {number} has been cancelled",
}


def _render(*, template: str, context: dict) -> tuple[str, str]:
    """Return the text and HTML bodies of ``template`` (``.txt`` and ``.html``)."""
    return render_to_string(f"{template}.txt", context), render_to_string(f"{template}.html", context)


def _deliver(*, to: str, subject: str, body: str, html: str) -> None:
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    """Send one email from ``template``.txt with ``template``.html as its HTML alternative."""
    body, html = _render(template=template, context=context)
    _deliver(to=to, subject=subject, body=body, html=html)


@task()
def email_send(*, to: str, subject: str, body: str, html: str) -> None:
    """Send one email rendered before it was queued: a text body with an HTML alternative."""
    _deliver(to=to, subject=subject, body=body, html=html)


@task()
def order_email_send(*, order_id: int, notification: str) -> None:
    """Render and send one notification email about an order."""
    from orders.models import Order

    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    _deliver(**_order_email(order=order, lines=list(order.lines.all()), notification=notification))


def _order_email(*, order, lines: list, notification: str) -> dict[str, str]:
    """Return the email about ``order`` for ``notification``: recipient, subject, text and HTML bodies."""
    body, html = _render(template=f"emails/order_{notification}", context={"order": order, "lines": lines})
    subject = NOTIFICATIONS[notification].format(number=order.number)
    return {"to": order.email, "subject": subject, "body": body, "html": html}


@task()
def unpaid_orders_expire() -> int:
    """Expire orders past their payment deadline (run it every few minutes from a scheduler)."""
    from orders.services.orders import orders_expire_unpaid

    return orders_expire_unpaid()


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
        lambda: email_send.enqueue(**_order_email(order=order, lines=lines, notification="placed"))
    )


# --- Returns and replacements (issue 5) -------------------------------------------------------------
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
    from orders.models import ReturnRequest

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
