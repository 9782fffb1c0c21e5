"""Several writes in one round trip: PostgreSQL's data-modifying ``WITH`` queries (issue 8).

Checkout is the shop's busiest write, and sent one by one its writes (stock, order, lines,
history, the cart) cost a round trip each. PostgreSQL runs them as one statement when each is a
data-modifying query of a ``WITH`` clause::

    WITH w0 AS (UPDATE ... RETURNING 1), w1 AS (INSERT ... RETURNING 1), ...
    SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w1), ...

Each runs once and to completion, all in one snapshot, so none sees the rows another writes:
inserted rows carry their primary keys (allocated beforehand from the tables' sequences), and
the foreign keys between them hold when checked, at commit (Django creates them ``DEFERRABLE
INITIALLY DEFERRED``). A constraint violation fails the whole statement with the usual
``IntegrityError``.

The SQL of each write is Django's own, compiled but not run (``insert_sql``, ``update_sql``,
``save_sql``), so field defaults, ``pre_save()`` (``auto_now``) and the preparation of values
(JSON, decimals, datetimes) are the ORM's. Like ``bulk_create()`` and ``update()``, they send no
model signals.

PostgreSQL only: ask ``can_run_as_one_statement()`` and keep the ordinary ORM writes elsewhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import Model, QuerySet, sql


@dataclass(frozen=True)
class Write:
    """One compiled ``INSERT`` or ``UPDATE``, and the objects it inserts (marked saved once it has run)."""

    sql: str
    params: tuple
    inserted: Sequence[Model] = ()


def can_run_as_one_statement(using: str) -> bool:
    """Return whether the database ``using`` runs data-modifying ``WITH`` queries (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


def insert_sql(objs: Sequence[Model], *, using: str) -> Write:
    """Compile the ``INSERT`` of ``objs`` that ``bulk_create()`` runs for objects carrying their primary key.

    ``pre_save()`` runs on each field as on ``save()``: ``auto_now_add`` fields are set on the objects.
    """
    assert objs and all(obj.pk is not None for obj in objs), "allocate the primary keys first"
    model = type(objs[0])
    query = sql.InsertQuery(model)
    query.insert_values([field for field in model._meta.concrete_fields if not field.generated], objs)
    [(statement, params)] = query.get_compiler(using=using).as_sql()
    return Write(sql=statement, params=tuple(params), inserted=objs)


def update_sql(queryset: QuerySet, values: dict, *, using: str) -> Write:
    """Compile the ``UPDATE`` that ``queryset.update(**values)`` runs."""
    query = queryset.query.chain(sql.UpdateQuery)
    query.add_update_values(values)
    statement, params = query.get_compiler(using=using).as_sql()
    return Write(sql=statement, params=tuple(params))


def save_sql(obj: Model, *, update_fields: Sequence[str], using: str) -> Write:
    """Compile the ``UPDATE`` that ``obj.save(update_fields=...)`` runs; ``auto_now`` fields are set on ``obj``."""
    fields = [obj._meta.get_field(name) for name in update_fields]
    query = type(obj)._base_manager.filter(pk=obj.pk).query.chain(sql.UpdateQuery)
    query.add_update_fields([(field, None, field.pre_save(obj, add=False)) for field in fields])
    statement, params = query.get_compiler(using=using).as_sql()
    return Write(sql=statement, params=tuple(params))


def run_as_one_statement(writes: Sequence[Write], *, using: str) -> list[int]:
    """Run ``writes`` as one statement of data-modifying ``WITH`` queries; return how many rows each wrote.

    Call inside a transaction (the caller decides, from the counts, whether to go on or roll back).
    The inserted objects are then as ``save()`` leaves them: ``_state.adding`` false, ``_state.db`` set.
    PostgreSQL only.
    """
    assert can_run_as_one_statement(using), "data-modifying WITH queries need PostgreSQL"
    names = [f"w{index}" for index in range(len(writes))]
    statement = "WITH {} SELECT {}".format(
        ", ".join(f"{name} AS ({write.sql} RETURNING 1)" for name, write in zip(names, writes, strict=True)),
        ", ".join(f"(SELECT count(*) FROM {name})" for name in names),
    )
    # As the ORM's own writes do: after an error, the transaction refuses further queries until rolled back.
    with transaction.mark_for_rollback_on_error(using), connections[using].cursor() as cursor:
        cursor.execute(statement, [param for write in writes for param in write.params])
        counts = list(cursor.fetchone())
    for write in writes:
        for obj in write.inserted:
            obj._state.adding = False
            obj._state.db = using
    return counts
