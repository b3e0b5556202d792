"""Re-wrap every person's media data key with the current master key (files stay as they are).

Rotation: set MEDIA_MASTER_KEY to the new key and MEDIA_MASTER_KEY_PREVIOUS to the old one,
run this command, then drop MEDIA_MASTER_KEY_PREVIOUS.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from generation.encryption import media_keys_rotate


class Command(BaseCommand):
    help = "Re-wrap media data keys with the current MEDIA_MASTER_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        rewrapped, current = media_keys_rotate()
        self.stdout.write(f"re-wrapped {rewrapped} data keys; {current} already current")
