from django.core.management.base import BaseCommand

from orders.fittings.services import health_data_expired_erase


class Command(BaseCommand):
    help = (
        "Erase anonymous assessments, footprints and fittings that no order uses, once they are older than "
        "SHOP_HEALTH_DATA_RETENTION_DAYS (docs/privacy.md), once. The scheduler (manage.py run_scheduler) runs "
        "this daily as the job orders.jobs.health_data_expire. Safe to run again, or twice at once."
    )

    def handle(self, *args, **options):
        counts = health_data_expired_erase()
        self.stdout.write(
            f"Erased {counts['assessments']} assessment(s), {counts['footprints']} footprint(s) and "
            f"{counts['fittings']} fitting(s) past the retention period."
        )
