from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        """Connect the signal handlers."""
        from catalogue import signals

        signals.connect()
        post_migrate.connect(_listings_after_migrate, sender=self, dispatch_uid="catalogue-listings-migrate")


def _listings_after_migrate(sender, using, **kwargs) -> None:
    """After ``migrate``, rebuild read-model rows that are missing or of another format (a new release)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    if using != DEFAULT_DB_ALIAS:  # the catalogue lives in the default database
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return  # migrated to an earlier state: the models may not match the tables
    from catalogue.listing import listings_rebuild

    listings_rebuild()
