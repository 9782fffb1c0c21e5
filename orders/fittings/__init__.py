"""Custom orthotics: the customer's fitting for a pair, and the lab's build record (issue 6).

A separate app (label ``fittings``) with its own migrations, so that it can grow without touching
the ``orders`` migrations. Business logic lives in ``orders.services.fittings``.
"""
