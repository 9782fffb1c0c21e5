"""The erasure of a customer's identity from their orders, addresses and carts (docs/privacy.md).

The orders themselves stay, with their lines, payments and refunds: they are the shop's tax records.
"""

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from orders.invoices.services import documents_erase
from orders.models import (
    Cart,
    CustomerAddressBook,
    Order,
    OrderStatusChange,
    Payment,
    Refund,
    SentEmail,
    WebhookEvent,
)
from orders.redaction import address_erased, redact
from orders.statuses import OrderStatus, Role

TAX_RECORDS_BASIS = (
    "German tax law: books and records 10 years (§147 AO); invoices and accounting vouchers 8 years "
    "(§147(3) AO, §14b UStG)"
)


def orders_erase(*, user, pattern, email: str) -> dict:
    """Take the customer's identity out of their orders; delete their saved address and their carts.

    Call inside the account's erasure (one transaction), with ``pattern`` the customer's identity
    (``orders.redaction.identity_pattern``) and ``email`` the address that replaces theirs. Each order
    keeps its lines, amounts, payments, refunds and history; its email becomes ``email``, its addresses
    keep only the country, what the customer wrote when cancelling goes, and names, addresses and phone
    numbers are replaced by ``[erased]`` in staff's notes and in the payment provider's events. Return
    what was erased and what was kept, for the customer's answer.
    """
    orders = list(Order.objects.select_for_update().filter(user=user).order_by("pk"))
    order_ids = [order.pk for order in orders]
    cancelled_by_customer = set(
        OrderStatusChange.objects.filter(
            order_id__in=order_ids, to_status=OrderStatus.CANCELLED, role=Role.CUSTOMER
        ).values_list("order_id", flat=True)
    )
    customer_texts = {order.cancellation_reason for order in orders if order.pk in cancelled_by_customer} - {
        ""
    }
    addresses = {user.email, *(order.email for order in orders)}
    _emails_erase(addresses=addresses, email=email)
    for order in orders:
        order.email = email
        order.shipping_address = address_erased(order.shipping_address)
        order.billing_address = address_erased(order.billing_address)
        order.cancellation_reason = (
            "" if order.cancellation_reason in customer_texts else redact(order.cancellation_reason, pattern)
        )
        order.attention_note = redact(order.attention_note, pattern)
    Order.objects.bulk_update(
        orders, ["email", "shipping_address", "billing_address", "cancellation_reason", "attention_note"]
    )
    changes = list(OrderStatusChange.objects.filter(order_id__in=order_ids))
    for change in changes:
        change.note = "" if change.note in customer_texts else redact(change.note, pattern)
    OrderStatusChange.objects.bulk_update(changes, ["note"])
    refunds = list(Refund.objects.filter(order_id__in=order_ids))
    for refund in refunds:
        refund.reason = redact(refund.reason, pattern)
        refund.failure_reason = redact(refund.failure_reason, pattern)
    Refund.objects.bulk_update(refunds, ["reason", "failure_reason"])
    payments = list(Payment.objects.filter(order_id__in=order_ids))
    for payment in payments:
        payment.failure_reason = redact(payment.failure_reason, pattern)
    Payment.objects.bulk_update(payments, ["failure_reason"])
    events = list(WebhookEvent.objects.filter(order_id__in=order_ids))
    for event in events:
        event.payload = redact(event.payload, pattern)
    WebhookEvent.objects.bulk_update(events, ["payload"])

    documents = documents_erase(order_ids=order_ids, email=email)
    saved_addresses = CustomerAddressBook.objects.filter(user=user).delete()[0]
    _, deleted_carts = Cart.objects.filter(user=user).delete()
    return {
        "erased": [
            {
                "what": "saved_address",
                "count": saved_addresses,
                "description": "Your saved shipping address.",
            },
            {
                "what": "carts",
                "count": deleted_carts.get(Cart._meta.label, 0),
                "description": "Your shopping carts.",
            },
        ],
        "kept": [
            {
                "what": "orders",
                "count": len(orders),
                "description": "Your orders with their lines, amounts, payments, refunds and history, "
                "without your name, email address, postal address or phone number (only the country "
                "they were sent to stays).",
                "reason": "Sales, payments and refunds are tax records the shop must keep.",
                "legal_basis": TAX_RECORDS_BASIS + "; GDPR Art. 17(3)(b)",
            },
            {
                "what": "invoices",
                "count": documents,
                "description": "The invoices and credit notes of your orders, with their numbers, dates, lines "
                "and amounts, without your name, email address or postal address (only the country stays).",
                "reason": "Invoices and credit notes are tax records the shop must keep.",
                "legal_basis": TAX_RECORDS_BASIS + "; GDPR Art. 17(3)(b)",
            },
        ],
    }


def _emails_erase(*, addresses: set[str], email: str) -> None:
    """The customer's address leaves the ledger of sent emails, and the finished tasks that held a rendered
    email to them (name and address included) go; tasks not yet run stay, to be sent. The other email
    tasks hold only ids."""
    SentEmail.objects.filter(to__in=addresses).update(to=email)
    DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        task_path="orders.tasks.email_send",
        args_kwargs__kwargs__to__in=addresses,
    ).delete()
