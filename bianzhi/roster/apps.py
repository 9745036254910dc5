from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "bianzhi.roster"
    label = "roster"
    verbose_name = "实名制"

    def ready(self) -> None:
        # Occupancy as of a date and leader posts in use come from the roster.
        from .selectors import register_providers

        register_providers()
        from .permit_hook import register as register_permit_hook

        register_permit_hook()  # the permit check of intakes (issue 5)
        from .kinds import register as register_kinds

        register_kinds()  # the release filing (出编备案) workflow
        from .intakes import register as register_intakes

        register_intakes()  # the 新建申请 forms of these kinds
        from .kinds_enrollment import register as register_enrollment

        register_enrollment()  # the enrollment filing (入编备案) and its form
