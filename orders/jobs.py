"""Scheduled jobs (django-tasks API): background work that runs the shop's services on a timer.

Their intervals are declared in one place, ``SHOP_SCHEDULE`` (shop/settings.py); ``manage.py
run_scheduler`` enqueues each when due and the queue's workers run it. Unlike the email tasks in
``orders.tasks``, these change data, through the same service functions the API and the admin call.
Each is safe to run twice, even at once: the services lock what they change.
"""

from django_tasks import task

from orders.fittings.services import health_data_expired_erase
from orders.outcomes.services import followups_send_due as outcomes_followups_send_due
from orders.services.orders import orders_expire_unpaid


@task()
def unpaid_orders_expire() -> int:
    """Expire orders past their payment deadline (every minute: ``SHOP_SCHEDULE``)."""
    return orders_expire_unpaid()


@task()
def health_data_expire() -> dict[str, int]:
    """Erase anonymous assessments, footprints and fittings past their retention period (daily).

    ``SHOP_HEALTH_DATA_RETENTION_DAYS`` from creation; those an order uses are kept (docs/privacy.md).
    """
    return health_data_expired_erase()


@task()
def followups_send_due() -> int:
    """Send the follow-up questions due now (``SHOP_FOLLOWUP_DAYS`` after delivery), each once (run it hourly).

    Only to customers whose follow-up consent is in force; a second run, or two at once, sends nothing twice.
    """
    return outcomes_followups_send_due()
