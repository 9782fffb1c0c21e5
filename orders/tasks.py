"""Background tasks (django-tasks API) that send the customers' emails.

Nothing here changes the shop's data: services never enqueue these directly but through
``orders.notifications``, on ``transaction.on_commit``, so a rolled-back change never sends mail.
Scheduled jobs that run services are in ``orders.jobs``.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from orders.invoices.selectors import invoice_url
from orders.models import Order
from orders.returns import policy as returns_policy
from shop.formats import seller_lines

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
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    _deliver(**order_email(order=order, lines=list(order.lines.all()), notification=notification))


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
