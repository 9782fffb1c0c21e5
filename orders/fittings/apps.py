from django.apps import AppConfig


class FittingsConfig(AppConfig):
    name = "orders.fittings"
    label = "fittings"
    verbose_name = "Custom orthotics: fittings and lab builds"
