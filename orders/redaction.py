"""Take a person's identity out of the text and JSON the shop keeps after their account is erased.

Pure functions: ``identity_pattern`` builds one expression from the person's names, email addresses,
phone numbers and street addresses; ``redact`` replaces each of them, as a whole word in any case, in a
string or in every string of a JSON value; ``address_erased`` blanks an address but its country (kept
for the tax records: where the sale was taxed). See docs/privacy.md.
"""

import re

ERASED = "[erased]"
# Shorter values (an initial) would match inside ordinary words.
MIN_TERM_LENGTH = 2
# The parts of an address that name the person or the place they live.
ADDRESS_IDENTITY_FIELDS = ("first_name", "last_name", "line1", "line2", "postal_code", "phone")


def identity_terms_of_address(address) -> list[str]:
    """Return the identifying values of an address (names, street, postcode, phone)."""
    if not isinstance(address, dict):
        return []
    terms = [str(address.get(name) or "") for name in ADDRESS_IDENTITY_FIELDS]
    full_name = f"{address.get('first_name') or ''} {address.get('last_name') or ''}".strip()
    return [*terms, full_name]


def identity_pattern(terms) -> re.Pattern | None:
    """Return one case-insensitive expression matching any of ``terms`` as a whole word, or None."""
    unique = {term.strip() for term in terms if term and len(term.strip()) >= MIN_TERM_LENGTH}
    if not unique:
        return None
    # Longest first, so a full name goes before the first name inside it.
    alternatives = "|".join(re.escape(term) for term in sorted(unique, key=lambda term: (-len(term), term)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def redact(value, pattern: re.Pattern | None):
    """Return ``value`` (a string, or a JSON value) with every match of ``pattern`` replaced by ``[erased]``."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, pattern) for key, item in value.items()}
    return value


def address_erased(address):
    """Return the address with every field blank but ``country``; None stays None."""
    if not isinstance(address, dict):
        return address
    return {key: (value if key == "country" else "") for key, value in address.items()}
