"""A lock held across a whole job, so that a job started twice at once runs once after the other.

Row locks keep two runs of a sweep from erasing the same row, but two runs deleting rows whose foreign
keys point at each other's locked rows (``SET_NULL`` updates) can still deadlock. ``job_lock`` makes the
second run wait for the first, which then finds nothing left to do. PostgreSQL advisory locks; SQLite
takes one writer at a time anyway, so there it holds nothing.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the database-wide lock ``name`` while the block runs; another holder makes this one wait."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_key(name)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
