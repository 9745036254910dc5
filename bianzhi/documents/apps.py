from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bianzhi.documents"
    label = "documents"
    verbose_name = "文书"

    def ready(self) -> None:
        # The quota-use approval also issues the signed permit notice in the
        # same transaction; documents sits above quota, so it wraps the effect.
        from .effects import register

        register()
        from .effects_matters import register as register_matters

        register_matters()
        from .effects_enrollment import register as register_enrollment

        register_enrollment()
