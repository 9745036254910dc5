from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "bianzhi.approvals"
    label = "approvals"
    verbose_name = "审批"
