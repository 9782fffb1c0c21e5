"""Custom orthotics: the customer's fitting for a pair, and the lab's build record.

A separate app (label ``fittings``) with its own migrations, so that it can grow without touching
the ``orders`` migrations. Writes live in ``orders.fittings.services``, reads in
``orders.fittings.selectors``, the API in ``orders.fittings.apis`` (mounted by ``orders.fittings.urls``).
"""
