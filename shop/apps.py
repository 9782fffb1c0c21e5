from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop and accounts"

    def ready(self):
        # Connects the task queue's retry of failed tasks (task_finished).
        from shop import queue  # noqa: F401
