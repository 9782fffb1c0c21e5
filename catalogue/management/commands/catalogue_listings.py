from django.core.management.base import BaseCommand

from catalogue.listing import listings_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the product read model (what anonymous product lists and pages are answered from): rows "
        "missing, built under other settings or code, or (--all) every row. migrate runs the first kind itself."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every active product's row.")

    def handle(self, *args, all=False, **options):  # noqa: A002 - the option's name
        count = listings_rebuild(stale_only=not all)
        self.stdout.write(f"Rebuilt the read model of {count} product(s).")
