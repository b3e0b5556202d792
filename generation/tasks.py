"""Background tasks (django-tasks): the job task, how it is enqueued, and where it runs.

Imports flow one way: services import this module; the task imports the service it runs inside
its body, so this module never imports the services at load time.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from lightsb_site.log import bind_generation


@task()
def run_generation(generation_id: str) -> str:
    from generation.services.run import generation_run

    # Every log line of the job (engine, storage, reaping) carries its generation id.
    with bind_generation(generation_id):
        return str(generation_run(generation_id=generation_id))


def generation_enqueue(*, generation_id: str) -> None:
    """Hand a job to the task backend, never before its row is committed."""
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(run_generation.get_backend(), DatabaseBackend):
        # The task row commits (or not) together with the job: no job without its task.
        run_generation.enqueue(generation_id)
    else:
        # The immediate backend runs the job right here: only once the job row is committed.
        transaction.on_commit(lambda: run_generation.enqueue(generation_id), robust=True)


def jobs_run_in_process() -> bool:
    """True with the embedded default (immediate backend): jobs run in the web process that
    queued them, so no other process can ever pick up a job left queued."""
    from django_tasks.backends.immediate import ImmediateBackend

    return isinstance(run_generation.get_backend(), ImmediateBackend)
