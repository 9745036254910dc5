from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "bianzhi.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        # Each form module registers itself (stats/forms/__init__.py lists them).
        from . import forms  # noqa: F401
