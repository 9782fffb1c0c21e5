import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from orders.services.orders import orders_expire_unpaid


class Command(BaseCommand):
    help = (
        "Expire orders not paid by their payment deadline and give their stock back: once (from cron), "
        "or every N seconds with --every (one such process per deployment)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Sweep again every SECONDS until stopped (Ctrl-C or SIGTERM), instead of once.",
        )

    def handle(self, *args, every=None, **options):
        if every is not None and every < 1:
            self.stderr.write("--every takes a number of seconds, at least 1.")
            raise SystemExit(2)
        while True:
            if every is not None:  # a long-running loop must not keep a connection that broke
                close_old_connections()
            count = orders_expire_unpaid()
            self.stdout.write(f"Expired {count} unpaid order(s).")
            if every is None:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
