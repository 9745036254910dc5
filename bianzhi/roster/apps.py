from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "bianzhi.roster"
    label = "roster"
    verbose_name = "实名制"
