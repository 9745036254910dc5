from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bianzhi.web"
    label = "bzweb"
