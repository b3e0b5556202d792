from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from generation.hooks import on_generation_finished
        from integrations import schema  # noqa: F401
        from integrations.webhooks import webhook_generation_finished

        # generation never imports integrations: it calls back whoever registered.
        on_generation_finished(webhook_generation_finished)
