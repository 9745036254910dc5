from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "bianzhi.matters"
    label = "matters"
    verbose_name = "跨领域事项"
