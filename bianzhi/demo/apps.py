from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bianzhi.demo"
    label = "bzdemo"
