from django.apps import AppConfig


class ReconcileConfig(AppConfig):
    name = "bianzhi.reconcile"
    label = "reconcile"
    verbose_name = "比对"
