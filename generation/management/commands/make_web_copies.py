"""Store the web-sized copies of results saved before they existed (safe to run again)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from generation.services import generation_backfill_web_copies


class Command(BaseCommand):
    help = "Store WebP copies at display widths for finished generations that lack them."

    def handle(self, *args: object, **options: object) -> None:
        jobs, files = generation_backfill_web_copies()
        self.stdout.write(f"looked at {jobs} generation(s), stored {files} web copies")
