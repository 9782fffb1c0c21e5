"""``manage.py load_demo``: the demo catalogue (only into an empty catalogue) and one staff login per role.

Run again, it keeps what staff changed in the catalogue (prices, stock); ``--reset`` loads the demo
catalogue afresh over it. The logins are never superusers: each is in one staff group (customer
service, warehouse, lab, manager) and sees only that role's menus.
"""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from catalogue.demo import demo_catalogue_load
from catalogue.models import Product

DEMO_STAFF_PASSWORD = "orthotics-demo-2026"  # noqa: S105 - development logins, printed on purpose
# (email, first name, group): one login per role.
DEMO_STAFF = [
    ("service@example.com", "Sam", "Customer service"),
    ("warehouse@example.com", "Wes", "Warehouse"),
    ("lab@example.com", "Lee", "Lab"),
    ("manager@example.com", "Max", "Manager"),
]


class Command(BaseCommand):
    help = "Load the demo catalogue into an empty catalogue, and one demo staff login per role."

    def add_arguments(self, parser):
        parser.add_argument("--no-images", action="store_true", help="Skip generating product pictures.")
        parser.add_argument(
            "--reset", action="store_true", help="Load the demo catalogue again over what staff changed."
        )

    def handle(self, *args, no_images=False, reset=False, **options):
        if reset or not Product.objects.exists():
            counts = demo_catalogue_load(with_images=not no_images)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo catalogue: {counts['products']} products, {counts['variants']} variants."
                )
            )
        else:
            self.stdout.write(
                "The catalogue is not empty: kept as it is (`make demo-reset` loads the demo catalogue again)."
            )
        password = os.environ.get("DEMO_STAFF_PASSWORD", DEMO_STAFF_PASSWORD)
        self.stdout.write("Demo staff logins for /admin/ (password for each: " + password + "):")
        for email, first_name, group_name in DEMO_STAFF:
            self._staff(email=email, first_name=first_name, group_name=group_name, password=password)
            self.stdout.write(f"  {group_name:<17} {email}")

    def _staff(self, *, email, first_name, group_name, password):
        User = get_user_model()
        user = User.objects.filter(email=email).first() or User(email=email)
        user.first_name, user.last_name = first_name, group_name
        user.is_staff, user.is_superuser, user.is_active = True, False, True
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=group_name)])
