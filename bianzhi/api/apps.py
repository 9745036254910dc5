from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bianzhi.api"
    label = "bzapi"
