"""Writes of the generation app, one module per concern; callers import from here.

- ``create``: validate a request, enforce the daily quota, store the clean photo, queue the job.
- ``run``: claim a job (fencing token), drive the engine under a lease, save its results.
- ``batch``: several photos with the same settings, each its own job, one quota check.
- ``lifecycle``: :func:`~generation.services.lifecycle.finish` (the one terminal transition),
  cancel, reap stale jobs, delete, purge.
- ``sharing``: public, expiring, revocable links to one result; ``preferences``: the
  generator's remembered settings.
- ``web_copies``: the WebP copies at display widths that pages show (and their backfill).

Views (HTML and API), admin actions, commands and the background task call these; the rules
live here once. Imports flow one way: views → services → tasks, and the task imports
``run`` inside its body.
"""

from generation.errors import (
    FAILURE_ADVICE,
    DailyLimitReached,
    GenerationNotCancelable,
    GenerationNotReady,
    InvalidGenerationParameters,
    StorageUnavailable,
)
from generation.services.batch import batch_cancel, batch_create
from generation.services.create import (
    generation_create,
    generation_rerun,
    generation_validate_parameters,
)
from generation.services.lifecycle import (
    ABANDONED_MESSAGE,
    ReapReport,
    generation_cancel,
    generation_delete,
    generation_delete_all,
    generation_purge_expired,
    generation_reap_stale,
    generations_delete,
)
from generation.services.media import generation_journey_gif
from generation.services.preferences import preferences_reset, preferences_save
from generation.services.run import (
    default_worker_id,
    generation_claim,
    generation_execute,
    generation_run,
)
from generation.services.sharing import (
    share_link_create,
    share_link_get_active,
    share_link_list,
    share_link_revoke,
)
from generation.services.web_copies import (
    generation_backfill_web_copies,
    generation_make_web_copies,
)
from generation.tasks import generation_enqueue

__all__ = [
    "ABANDONED_MESSAGE",
    "FAILURE_ADVICE",
    "DailyLimitReached",
    "GenerationNotCancelable",
    "GenerationNotReady",
    "InvalidGenerationParameters",
    "ReapReport",
    "StorageUnavailable",
    "batch_cancel",
    "batch_create",
    "default_worker_id",
    "generation_backfill_web_copies",
    "generation_cancel",
    "generation_claim",
    "generation_create",
    "generation_delete",
    "generation_delete_all",
    "generation_enqueue",
    "generation_execute",
    "generation_journey_gif",
    "generation_make_web_copies",
    "generation_purge_expired",
    "generation_reap_stale",
    "generation_rerun",
    "generation_run",
    "generation_validate_parameters",
    "generations_delete",
    "preferences_reset",
    "preferences_save",
    "share_link_create",
    "share_link_get_active",
    "share_link_list",
    "share_link_revoke",
]
