"""How dates and addresses read for people: staff in the admin and customers in emails.

Plain formatting, no domain rules: a deadline as "Fri 4 Dec, 23:59" in the shop's time zone, and a
postal address laid out the way the post of its country expects (postcode before or after the city),
with the country's name instead of its ISO 3166 code.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django_countries import countries

# Countries whose addresses put the city before the postcode on one line ("London SW1A 1AA").
CITY_BEFORE_POSTCODE = frozenset({"GB", "IE", "US", "CA", "AU", "NZ", "IN", "BR"})
# Countries whose region (state, province) is written after the city.
WITH_REGION = frozenset({"US", "CA", "AU", "BR", "IN", "IT", "ES", "MX"})


def deadline_text(value: datetime | None, *, with_year: bool = False) -> str:
    """Return ``value`` as a person reads a deadline, in the shop's time zone: "Fri 4 Dec, 23:59"."""
    if value is None:
        return "–"
    local = timezone.localtime(value)
    day = f"{local:%a} {local.day} {local:%b}"
    if with_year:
        day += f" {local.year}"
    return f"{day}, {local:%H:%M}"


def waited_text(since: datetime | None, *, now: datetime | None = None) -> str:
    """Return how long ago ``since`` was, in words: "3 days", "5 hours", "12 minutes"."""
    if since is None:
        return "–"
    seconds = max(int(((now or timezone.now()) - since).total_seconds()), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "just now"


def country_name(code: str) -> str:
    """Return the English name of an ISO 3166-1 alpha-2 code, or the code itself when it is unknown."""
    name = countries.name((code or "").upper())
    return str(name) if name else (code or "")


def is_country_code(code: str) -> bool:
    """Return whether ``code`` is an ISO 3166-1 alpha-2 country code (upper or lower case)."""
    return bool(code) and len(code) == 2 and bool(countries.name(code.upper()))


def address_lines(address: dict | None) -> list[str]:
    """Return a postal address (the shop's address dict) as the lines an envelope would carry."""
    if not address:
        return []

    def get(key: str) -> str:
        return str(address.get(key) or "").strip()

    country = get("country").upper()
    name = " ".join(part for part in (get("first_name"), get("last_name")) if part) or get("name")
    postcode, city, region = get("postal_code"), get("city"), get("region")
    if country in CITY_BEFORE_POSTCODE:
        town = " ".join(part for part in (city, region if country in WITH_REGION else "", postcode) if part)
    else:
        town = " ".join(part for part in (postcode, city) if part)
        if region and country in WITH_REGION:
            town = f"{town} ({region})"
    lines = [name, get("company"), get("line1"), get("line2"), town, country_name(country)]
    return [line for line in lines if line]


def seller_lines() -> list[str]:
    """The seller's name and postal address, a line each (``SHOP_SELLER_NAME``, ``SHOP_SELLER_ADDRESS``,
    whose lines are separated by a literal ``\\n``)."""
    lines = [settings.SHOP_SELLER_NAME, *settings.SHOP_SELLER_ADDRESS.replace("\\n", "\n").splitlines()]
    return [line.strip() for line in lines if line.strip()]
