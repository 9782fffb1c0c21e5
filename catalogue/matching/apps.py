from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "catalogue.matching"
    label = "matching"
    verbose_name = "Foot-type matching"
