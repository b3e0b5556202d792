"""Callbacks other apps register to hear that a job ended, so that generation never imports them.

``finish`` (generation/services/lifecycle.py), the one door of every terminal transition, runs
each registered callback inside its transaction, after the status is written: what a callback
writes (a webhook delivery, its task) commits with the job's end or not at all. A failing
callback is logged and rolled back to its savepoint; it never undoes the end of the job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from django.db import transaction

logger = logging.getLogger(__name__)

# Called as ``hook(generation_id=..., status=...)`` with the job's terminal status value.
FinishedHook = Callable[..., None]

_finished_hooks: list[FinishedHook] = []


def on_generation_finished(hook: FinishedHook) -> FinishedHook:
    """Register ``hook`` (once, however often an app's ``ready`` runs)."""
    if hook not in _finished_hooks:
        _finished_hooks.append(hook)
    return hook


def run_finished_hooks(*, generation_id: UUID, status: str) -> None:
    for hook in list(_finished_hooks):
        try:
            with transaction.atomic():
                hook(generation_id=generation_id, status=status)
        except Exception:
            logger.exception("a finished-job callback failed for %s", generation_id)
