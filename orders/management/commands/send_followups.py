from django.core.management.base import BaseCommand

from orders.outcomes.services import followups_send_due


class Command(BaseCommand):
    help = (
        "Send the follow-up questions due now (SHOP_FOLLOWUP_DAYS after delivery, to customers who agreed). "
        "Each is sent once: safe to run again, or twice at once (from cron, hourly)."
    )

    def handle(self, *args, **options):
        sent = followups_send_due()
        self.stdout.write(f"Sent {sent} follow-up(s).")
