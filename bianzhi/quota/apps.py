from django.apps import AppConfig


class QuotaConfig(AppConfig):
    name = "bianzhi.quota"
    label = "quota"
    verbose_name = "编制"
