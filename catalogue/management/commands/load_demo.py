import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from catalogue.demo import demo_catalogue_load

DEMO_STAFF_EMAIL = "staff@example.com"
DEMO_STAFF_PASSWORD = "orthotics-demo-2026"  # noqa: S105 - a development login, printed on purpose


class Command(BaseCommand):
    help = "Load the demo catalogue and a demo staff login (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-images", action="store_true", help="Skip generating product pictures.")

    def handle(self, *args, no_images=False, **options):
        counts = demo_catalogue_load(with_images=not no_images)
        email = os.environ.get("DEMO_STAFF_EMAIL", DEMO_STAFF_EMAIL)
        password = os.environ.get("DEMO_STAFF_PASSWORD", DEMO_STAFF_PASSWORD)
        User = get_user_model()
        staff = User.objects.filter(email=email).first()
        if staff is None:
            staff = User.objects.create_superuser(
                email=email, password=password, first_name="Demo", last_name="Staff"
            )
        else:
            staff.is_staff = staff.is_superuser = True
            staff.set_password(password)
            staff.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalogue: {counts['products']} products, {counts['variants']} variants."
            )
        )
        self.stdout.write(f"Demo staff login for /admin/: {email} / {password}")
