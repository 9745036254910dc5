from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bianzhi.accounts"
    label = "accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        # The approvals engine imports no domain; it asks accounts whether an
        # actor's scope covers a request (same rules as access.py).
        from bianzhi.approvals.engine import register_scope_resolver

        from .approval_scope import approval_scope

        register_scope_resolver(approval_scope)
