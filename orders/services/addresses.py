"""The customer's saved default shipping address."""

from orders.models import CustomerAddressBook


def default_address_set(*, user, address: dict | None) -> CustomerAddressBook:
    """Save (or clear, with None) the customer's default shipping address."""
    book, _ = CustomerAddressBook.objects.update_or_create(
        user=user, defaults={"default_shipping_address": address}
    )
    return book
