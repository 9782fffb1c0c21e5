"""Inputs Schemathesis found that once gave a 5xx, kept as plain regression tests (one row each)."""

import pytest

FOUND = [
    # catalogue/filters.py StableOrderingFilter: an empty ordering item raised KeyError('') -> 500.
    ("get", "/api/v1/products/?ordering=,"),
    ("get", "/api/v1/products/?ordering=-"),
    ("get", "/api/v1/products/?ordering=price,,-name"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), FOUND, ids=[path for _, path in FOUND])
def test_no_server_error(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code < 500, response.content[:300]
