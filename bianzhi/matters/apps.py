from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "bianzhi.matters"
    label = "matters"
    verbose_name = "跨领域事项"

    def ready(self) -> None:
        # Establishment matters (one approval kind per type), their intake
        # forms and effect, and the coordination list's daily overdue check.
        from .register import register

        register()
