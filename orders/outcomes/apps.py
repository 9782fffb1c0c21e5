from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "orders.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and follow-ups"
