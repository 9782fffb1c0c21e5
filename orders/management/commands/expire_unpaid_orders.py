from django.core.management.base import BaseCommand

from orders.services.orders import orders_expire_unpaid


class Command(BaseCommand):
    help = (
        "Expire orders not paid by their payment deadline and give their stock back, once. The scheduler "
        "(manage.py run_scheduler) runs this as the job orders.jobs.unpaid_orders_expire every minute; "
        "run it by hand only to sweep at once. Safe while the job runs."
    )

    def handle(self, *args, **options):
        count = orders_expire_unpaid()
        self.stdout.write(f"Expired {count} unpaid order(s).")
