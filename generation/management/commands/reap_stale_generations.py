"""Requeue or fail generation jobs whose worker stopped reporting (run it from cron, or rely on
the workers, which also reap before each job)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from generation.services import generation_reap_stale


class Command(BaseCommand):
    help = "Requeue (or fail after the last attempt) running jobs whose lease has expired."

    def handle(self, *args: object, **options: object) -> None:
        report = generation_reap_stale()
        self.stdout.write(
            f"requeued {len(report.requeued)}, failed {len(report.failed)} stale generation(s)"
        )
