"""Background tasks (django-tasks API) that send the customers' emails.

Nothing here changes the shop's data: services never enqueue these directly but through
``orders.notifications``, with the transaction of the change (``shop.queue.enqueue_on_commit``), so a
rolled-back change never sends mail. Scheduled jobs that run services are in ``orders.jobs``.

Each email has a key, fixed when it is queued (the notification and the status change that caused it).
``SentEmail`` records the keys sent: a task run again (a retry, a worker that died mid-task) sends
nothing twice. A mail server that refuses or hangs fails the task (after ``EMAIL_TIMEOUT``), and the
queue tries it again later (shop/queue.py).
"""

import hashlib
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from orders.invoices.selectors import invoice_url
from orders.models import Order, SentEmail
from orders.returns import policy as returns_policy
from shop.formats import seller_lines

logger = logging.getLogger(__name__)

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


def _message_id(key: str) -> str:
    """A Message-ID fixed by the key, so that a mail system that sees one message twice can drop the copy."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _deliver(*, key: str, to: str, subject: str, body: str, html: str) -> bool:
    """Send the email once per ``key``: return False, sending nothing, when it was sent already.

    The ledger row is inserted in the transaction that sends: a second run of the same email waits on
    that insert (PostgreSQL holds a duplicate key until the first commits) and then finds it sent; a run
    that fails or dies rolls its row back, so the next one sends. Only a crash between the mail server
    accepting the message and the commit (milliseconds) can send it twice, and then with the same
    Message-ID.
    """
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": _message_id(key)},
    )
    message.attach_alternative(html, "text/html")
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key, to=to, subject=subject[:200], sent_at=timezone.now())
            message.send()
    except IntegrityError:
        logger.info("Email %s was sent already; not sending it again.", key)
        return False
    return True


def _send(*, key: str, to: str, subject: str, template: str, context: dict) -> bool:
    """Send one email from ``template``.txt with ``template``.html as its HTML alternative, once per key."""
    body, html = _render(template=template, context=context)
    return _deliver(key=key, to=to, subject=subject, body=body, html=html)


@task()
def email_send(*, key: str, to: str, subject: str, body: str, html: str) -> bool:
    """Send one email rendered before it was queued (a text body with an HTML alternative), once per key."""
    return _deliver(key=key, to=to, subject=subject, body=body, html=html)


@task()
def order_email_send(*, order_id: int, notification: str, key: str) -> bool:
    """Render and send one notification email about an order, once per key."""
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    message = order_email(order=order, lines=list(order.lines.all()), notification=notification)
    return _deliver(key=key, **message)


def order_email(*, order, lines: list, notification: str) -> dict[str, str]:
    """Return the email about ``order`` for ``notification``: recipient, subject, text and HTML bodies."""
    context = {"order": order, "lines": lines}
    if notification == "placed":  # the confirmation states the rights that apply to the order
        context["rights"] = returns_policy.order_rights(
            lines=lines, now=timezone.now(), tz=ZoneInfo(settings.TIME_ZONE)
        )
        if returns_policy.order_can_withdraw(lines=lines):
            context["withdrawal_form"] = returns_policy.withdrawal_form(
                trader=", ".join(seller_lines()), email=settings.SHOP_SELLER_EMAIL
            )
    if notification == "paid":
        context["invoice_url"] = invoice_url(order=order)
    body, html = _render(template=f"emails/order_{notification}", context=context)
    subject = NOTIFICATIONS[notification].format(number=order.number)
    return {"to": order.email, "subject": subject, "body": body, "html": html}
