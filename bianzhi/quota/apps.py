from django.apps import AppConfig


class QuotaConfig(AppConfig):
    name = "bianzhi.quota"
    label = "quota"
    verbose_name = "编制"

    def ready(self) -> None:
        # The plan and quota-use workflows (approvals engine registry).
        from .kinds import register

        register()
        from .intakes import register as register_intakes

        register_intakes()  # the 新建申请 forms of these kinds
