from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "bianzhi.orgs"
    label = "orgs"
    verbose_name = "机构"
