from django.core.management.base import BaseCommand

from orders.services.orders import orders_expire_unpaid


class Command(BaseCommand):
    help = "Expire orders not paid by their payment deadline and give their stock back (run from cron)."

    def handle(self, *args, **options):
        count = orders_expire_unpaid()
        self.stdout.write(f"Expired {count} unpaid order(s).")
