from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operator commands that span the domains: setup, check, audit, daily."""

    name = "bianzhi.ops"
    label = "ops"
