"""Delete finished generations (rows and files) older than GENERATION_RETENTION_DAYS."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from generation.services import generation_purge_expired


class Command(BaseCommand):
    help = "Delete finished generations and their files older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention in days (default: GENERATION_RETENTION_DAYS, %(default)s = setting).",
        )

    def handle(self, *args: object, days: int | None = None, **options: object) -> None:
        days = settings.GENERATION_RETENTION_DAYS if days is None else days
        deleted = generation_purge_expired(days=days)
        self.stdout.write(f"deleted {deleted} generation(s) older than {days} day(s)")
