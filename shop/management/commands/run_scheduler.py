import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from shop.scheduler import schedule_run_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Enqueue the scheduled jobs (SHOP_SCHEDULE) when they are due, until stopped (SIGTERM or Ctrl-C). "
        "Run one per deployment; a second one at the same time enqueues nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=5,
            metavar="SECONDS",
            help="Seconds between two looks at the schedule (default 5).",
        )
        parser.add_argument("--once", action="store_true", help="Enqueue what is due now, then exit.")

    def handle(self, *args, interval, once, **options):
        if interval <= 0:
            self.stderr.write("--interval takes a number of seconds above 0.")
            raise SystemExit(2)
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while self.running:
            close_old_connections()  # a long-running loop must not keep a connection that broke
            try:
                for name in schedule_run_due():
                    self.stdout.write(f"Enqueued {name}.")
            except DatabaseError:
                if once:
                    raise
                logger.exception("The schedule could not be read or moved on; trying again shortly.")
            self.stdout.flush()
            if once:
                return
            deadline = time.monotonic() + interval
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.2, interval))
