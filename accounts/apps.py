from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts.lockout import login_failures_clear_on_login

        user_logged_in.connect(login_failures_clear_on_login, dispatch_uid="accounts.login_failures_clear")
